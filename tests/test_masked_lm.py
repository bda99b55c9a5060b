"""Masked LM: both masking collators, fixed evaluation masking, fill-mask, a shrunk run."""

import json
import textwrap

import datasets
import numpy as np

from tests.helpers import assert_predict_reproduces_predictions, assert_repeats, invoke, predict_json, sample_pairs
from tfhf.data.tokenizer_training import train_tokenizer
from tfhf.recipe import SAMPLES_DIR, MaskedLMData
from tfhf.tasks import TASKS
from tfhf.tasks.masked_lm import fixed_masking
from tfhf.tasks.masking import WholeWordMaskCollator, words

TEXTS = [pair["en"] for pair in sample_pairs(300)]


def setup(**data):
    tokenizer = train_tokenizer(TEXTS, vocab_size=120, style="wordpiece")  # small: many words split in pieces
    spec = MaskedLMData(path="unused", block_size=32, **data)
    chunks = TASKS["fill-mask"].preprocess(datasets.Dataset.from_dict({"text": TEXTS}), tokenizer, spec)
    return tokenizer, spec, chunks


def test_words_are_runs_of_equal_word_ids_without_special_tokens():
    assert words([-1, 0, 0, 1, 2, 2, 2, -1, -1, 0, 1]) == [[1, 2], [3], [4, 5, 6], [9], [10]]


def test_whole_word_masking_masks_only_whole_words_and_labels_only_masked_positions():
    tokenizer, _, chunks = setup(whole_word_masking=True, mlm_probability=0.3)
    rows = [chunks[i] for i in range(16)]
    batch = WholeWordMaskCollator(tokenizer, 0.3, rng=np.random.default_rng(0))(rows)
    multi_piece_words = 0
    for i, row in enumerate(rows):
        masked = batch["input_ids"][i] == tokenizer.mask_token_id
        np.testing.assert_array_equal(batch["labels"][i] != -100, masked)  # -100 exactly where not masked
        np.testing.assert_array_equal(batch["labels"][i][masked], np.asarray(row["input_ids"])[masked])
        for positions in words(row["word_ids"]):
            states = set(masked[positions])
            assert len(states) == 1, "a word is masked entirely or not at all"
            multi_piece_words += len(positions) > 1
        special = np.asarray(row["word_ids"]) == -1
        assert not masked[special].any()
    assert multi_piece_words > 0  # the check above really covered split words
    assert 0.15 < batch["labels"][batch["labels"] != -100].size / batch["labels"].size < 0.45


def test_random_token_masking_labels_only_chosen_tokens():
    tokenizer, spec, chunks = setup()
    collator = TASKS["fill-mask"].collator(tokenizer, None, spec)
    np.random.seed(0)
    batch = collator([chunks[i] for i in range(16)])
    assert "word_ids" not in batch
    chosen = batch["labels"] != -100
    assert 0.05 < chosen.mean() < 0.3
    inputs = np.asarray([chunks[i]["input_ids"] for i in range(16)])
    np.testing.assert_array_equal(batch["labels"][chosen], inputs[chosen])
    np.testing.assert_array_equal(batch["input_ids"][~chosen], inputs[~chosen])  # unchosen tokens untouched


def test_fixed_evaluation_masking_is_the_same_every_time():
    tokenizer, spec, chunks = setup()
    collator = TASKS["fill-mask"].collator(tokenizer, None, spec)
    first = fixed_masking(collator, chunks, seed=7)
    again = fixed_masking(collator, chunks, seed=7)
    other = fixed_masking(collator, chunks, seed=8)
    assert first["labels"] == again["labels"] and first["input_ids"] == again["input_ids"]
    assert first["labels"] != other["labels"]


def test_a_shrunk_masked_lm_run_reports_fill_mask_before_and_after_and_repeats(tmp_path):
    recipe = tmp_path / "tiny_mlm.py"
    recipe.write_text(
        textwrap.dedent(
            f"""
            from tfhf.recipe import Eval, Generate, MaskedLMData, Model, Recipe, Train
            recipe = Recipe(
                task="fill-mask",
                model=Model(config={{"model_type": "distilbert", "dim": 16, "hidden_dim": 32, "n_layers": 1,
                                    "n_heads": 2}}, tokenizer_vocab_size=300),
                data=MaskedLMData(path={str(SAMPLES_DIR / "summarization_reviews.jsonl")!r}, text_column="review_body",
                                  block_size=32, max_train_samples=80, max_eval_samples=20, whole_word_masking=True),
                train=Train(epochs=1, batch_size=16, learning_rate=1e-3),
                eval=Eval(batch_size=16),
                generate=Generate(prompts=("The price is [MASK].",)),
            )
            """
        )
    )
    out = tmp_path / "run"
    result = invoke("run", recipe, "--output-dir", out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "fill-mask"
    assert metrics["before"]["masked_tokens"] == metrics["after"]["masked_tokens"] > 0  # same masked positions
    fills = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(fills[0]["before"]) == len(fills[0]["after"]) == 5
    [predicted] = predict_json(out, "The price is [MASK].")
    assert [fill["token"] for fill in predicted["fills"]] == [fill["token"] for fill in fills[0]["after"]]
    assert_predict_reproduces_predictions(out)
    assert_repeats(out, recipe)


def test_word_ids_recovered_from_wordpiece_tokens_match_the_tokenizer():
    tokenizer, _, chunks = setup(whole_word_masking=True)
    collator = WholeWordMaskCollator(tokenizer, 0.15)
    for i in range(8):
        recovered = words(collator.word_ids(np.asarray(chunks[i]["input_ids"])).tolist())
        assert recovered == words(chunks[i]["word_ids"])
