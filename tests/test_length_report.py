"""The lengths of the data against the recipe's limits: quantiles and the share cut, with a warning above 5%."""

import datasets
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from tfhf.data.length_report import LengthLimit, report_lengths
from tfhf.recipe import ClassificationData, Seq2SeqData, TokenClassificationData
from tfhf.tasks import TASKS


@pytest.fixture(scope="module")
def word_tokenizer():
    """One token per word: lengths in tokens are lengths in words."""
    vocabulary = {"[UNK]": 0, **{f"w{i}": i + 1 for i in range(50)}}
    tokenizer = Tokenizer(models.WordLevel(vocabulary, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]")


def texts_of_lengths(lengths):
    return datasets.Dataset.from_dict({"text": [" ".join(f"w{i}" for i in range(n)) for n in lengths]})


def test_the_share_cut_and_the_quantiles_are_logged_with_a_warning_naming_the_setting(word_tokenizer):
    lines = []
    limit = LengthLimit("data.max_length", 10, lambda tokenizer, rows: tokenizer(rows["text"])["input_ids"])
    splits = {"train": texts_of_lengths([4] * 80 + [20] * 20), "validation": texts_of_lengths([4] * 99 + [11])}
    shares = report_lengths([limit], splits, word_tokenizer, lines.append)
    assert shares == {"data.max_length": {"train": 0.2, "validation": 0.01}}
    assert lines[0] == "data.max_length=10, split 'train': 50% 4, 90% 20, 99% 20, max 20 tokens; 20.0% cut"
    assert (
        lines[1]
        == "warning: data.max_length=10 cuts 20.0% of split 'train' (95% fit in 20 tokens): raise data.max_length, or set it to 'auto'"
    )
    assert lines[2].endswith("max 11 tokens; 1.0% cut") and len(lines) == 3  # 1% is under the warning's 5%


def test_a_large_split_is_measured_on_an_even_sample(word_tokenizer):
    lines = []
    limit = LengthLimit("data.max_length", 10, lambda tokenizer, rows: tokenizer(rows["text"])["input_ids"])
    shares = report_lengths([limit], {"train": texts_of_lengths([4, 20] * 3000)}, word_tokenizer, lines.append)
    assert "(a sample: one row in 3)" in lines[0]
    assert shares["data.max_length"]["train"] == pytest.approx(0.5)


def test_each_task_that_cuts_names_its_length_settings():
    assert [limit.setting for limit in TASKS["translation"].length_limits(Seq2SeqData(path="x"))] == [
        "data.max_source_length",
        "data.max_target_length",
    ]
    assert [limit.setting for limit in TASKS["text-classification"].length_limits(ClassificationData(path="x"))] == [
        "data.max_length"
    ]
    tagging = TASKS["token-classification"].length_limits(TokenClassificationData(path="x"))
    assert [limit.setting for limit in tagging] == ["data.max_length"]
    assert TASKS["question-answering"].length_limits(None) == []  # windows lose nothing
