"""Causal LM: chunking, exact perplexity, left-padded generation, input errors, a shrunk run."""

import json
import math
import sysconfig
import textwrap

import datasets
import pytest

from tests.helpers import assert_predict_reproduces_predictions, assert_repeats, invoke, predict_json
from tfhf.data.tokenizer_training import train_tokenizer
from tfhf.errors import TfhfError
from tfhf.recipe import TextData
from tfhf.scores.metrics import perplexity
from tfhf.tasks import TASKS
from tfhf.tasks.chunking import group_texts

CODE = ["def add(a, b):\n    return a + b\n", "class Point:\n    x = 0\n    y = 0\n", "import os\nprint(os.sep)\n"]


def test_group_texts_loses_only_the_final_remainder():
    batch = {"input_ids": [[1, 2, 3], [4, 5, 6, 7, 8], [9, 10]], "attention_mask": [[1] * 3, [1] * 5, [1] * 2]}
    blocks = group_texts(batch, block_size=4)
    assert blocks["input_ids"] == [[1, 2, 3, 4], [5, 6, 7, 8]]  # 9 and 10 are the documented remainder
    assert blocks["attention_mask"] == [[1] * 4, [1] * 4]
    assert group_texts({"input_ids": [[1, 2]]}, block_size=4) == {"input_ids": []}


def test_perplexity_is_exp_of_the_token_mean_not_the_mean_of_batch_exps():
    # batch 1: 10 tokens with mean loss 1.0; batch 2: 1 token with loss 5.0
    losses, tokens = [10 * 1.0, 1 * 5.0], [10, 1]
    exact = perplexity(sum(losses), sum(tokens))
    assert exact == pytest.approx(math.exp(15 / 11))
    mean_of_exps = (math.exp(1.0) + math.exp(5.0)) / 2
    assert abs(exact - mean_of_exps) > 50  # the two really differ here


def test_byte_level_tokenizer_round_trips_code_exactly():
    tokenizer = train_tokenizer(CODE * 20, vocab_size=300, style="byte_level")
    for text in CODE + ["x = 'é' + \"\\t\"  # odd bytes\n"]:
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text


def test_preprocess_errors_for_tiny_corpora_and_unmatched_keywords():
    task = TASKS["text-generation"]
    tokenizer = train_tokenizer(CODE * 20, vocab_size=300, style="byte_level")
    split = datasets.Dataset.from_dict({"text": CODE})
    with pytest.raises(TfhfError, match=r"fewer than one block \(data.block_size=512\)"):
        task.preprocess(split, tokenizer, TextData(path="corpus", block_size=512))
    with pytest.raises(TfhfError, match=r"contains any of the keywords \['pandas'\]"):
        task.preprocess(split, tokenizer, TextData(path="corpus", keywords=("pandas",)))
    kept = task.preprocess(split, tokenizer, TextData(path="corpus", keywords=("import",), block_size=4))
    assert 0 < len(kept) < len(task.preprocess(split, tokenizer, TextData(path="corpus", block_size=4)))


def tiny_causal_recipe(folder, **data):
    settings = {"path": sysconfig.get_paths()["stdlib"], "file_pattern": "*.py", "max_train_samples": 6,
                "max_eval_samples": 2, "block_size": 32, **data}  # fmt: skip
    path = folder / "tiny_causal.py"
    path.write_text(
        textwrap.dedent(
            f"""
            from tfhf.recipe import Eval, Generate, Model, Recipe, TextData, Train
            recipe = Recipe(
                task="text-generation",
                model=Model(config={{"model_type": "gpt2", "n_embd": 16, "n_layer": 1, "n_head": 2,
                                    "n_positions": 32}}, tokenizer_vocab_size=400),
                data=TextData(**{settings!r}),
                train=Train(epochs=1, batch_size=16, learning_rate=1e-3),
                eval=Eval(batch_size=16),
                generate=Generate(max_new_tokens=4, length_buckets=(8,), prompts=("import ", "def main(")),
            )
            """
        )
    )
    return path


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_a_shrunk_causal_lm_run_on_the_standard_library_repeats_its_metrics(tmp_path):
    out = tmp_path / "run"
    recipe = tiny_causal_recipe(tmp_path)
    result = invoke("run", recipe, "--output-dir", out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "text-generation"
    assert metrics["after"]["perplexity"] < metrics["before"]["perplexity"]
    assert metrics["after"]["perplexity"] == pytest.approx(math.exp(metrics["after"]["loss"]))
    completions = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [c["prompt"] for c in completions] == ["import ", "def main("]
    assert all(isinstance(c["completion"], str) for c in completions)
    [predicted] = predict_json(out, "import ", "--max-new-tokens", "4")
    assert predicted["input"] == "import " and len(predicted["outputs"]) == 1
    assert_predict_reproduces_predictions(out)
    assert_repeats(out, recipe)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"file_pattern": "*.nothing"}, "has no file matching '*.nothing'"),
        ({"text_column": "content"}, "has no column 'content' (columns: text, file)"),
        ({"block_size": 10**7}, "fewer than one block"),
    ],
)
def test_bad_corpus_input_is_one_line_exit_2(tmp_path, data, message):
    out = tmp_path / "run"
    result = invoke("run", str(tiny_causal_recipe(tmp_path, **data)), "--output-dir", out)
    assert result.exit_code == 2
    error_line = result.stderr.rstrip("\n").split("\n")[-1]  # after any tokenization progress bars
    assert error_line.startswith("tfhf: error: ") and message in error_line
    assert not out.exists()


def test_an_empty_corpus_file_is_one_line_exit_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    recipe = tiny_causal_recipe(tmp_path, path=str(empty), file_pattern=None)
    result = invoke("run", recipe, "--output-dir", tmp_path / "run")
    assert result.exit_code == 2 and "is empty" in result.stderr
