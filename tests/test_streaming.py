"""data.streaming: a language model trained from a stream (datasets IterableDataset) of a local file,
its order fixed by the seed, a second pass when it runs out, and a kill and resume that land on the
uninterrupted run's weights exactly."""

import itertools
import json
import random
import signal

import numpy as np
import pytest

from tests.helpers import TINY_DISTILBERT, TINY_GPT2, run, start_run, wait_for_checkpoint, weights, write_task_recipe
from tfhf.data import streaming
from tfhf.recipe import Model, Recipe, TextData
from tfhf.tasks import TASKS
from tfhf.train.preparation import make_tokenizer

WORDS = [
    "the",
    "a",
    "model",
    "stream",
    "block",
    "token",
    "data",
    "train",
    "step",
    "file",
    "open",
    "save",
    "read",
    "write",
    "python",
    "code",
    "line",
]


@pytest.fixture
def corpus(tmp_path):
    rng = random.Random(0)
    path = tmp_path / "corpus.jsonl"
    with path.open("w") as f:
        for _ in range(1500):
            f.write(json.dumps({"text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))}) + "\n")
    return path


def streaming_recipe(folder, corpus, task="text-generation", data_class="TextData", config=TINY_GPT2, **data):
    settings = {"path": str(corpus), "streaming": True, "block_size": 32, "max_eval_samples": 40, **data}
    train = {"max_steps": 40, "batch_size": 8, "learning_rate": 1e-3}
    return write_task_recipe(folder, task, data_class, settings, config=config, train=train)


def test_the_stream_gives_the_same_blocks_from_any_start_and_passes_again_when_it_ends(corpus):
    data = TextData(path=str(corpus), streaming=True, block_size=32, max_eval_samples=40)
    raw = streaming.load_stream(data, log=lambda line: None)
    first_row = json.loads(corpus.open().readline())["text"]
    assert len(raw["validation"]) == 40 and raw["validation"][0]["text"] == first_row  # held out from the start
    assert first_row not in [row["text"] for row in itertools.islice(raw["train"], 2000)]  # ... and not trained on
    recipe = Recipe(task="text-generation", model=Model(tokenizer_vocab_size=300), data=data)
    task = TASKS["text-generation"]
    tokenizer = make_tokenizer(recipe, task, streaming.tokenizer_rows(raw["train"], data), log=lambda line: None)
    blocks = streaming.TokenBlocks(raw["train"], lambda rows: task.preprocess(rows, tokenizer, data), 42, 10)

    one_pass = sum(1 for _ in task.preprocess(raw["train"], tokenizer, data))
    count = 2 * one_pass + 50  # into a third pass
    ids = [block["input_ids"] for block in itertools.islice(blocks.blocks(), count)]
    assert one_pass > 50 and len(ids) == count
    assert all(len(block) == 32 for block in ids)
    assert ids[one_pass : 2 * one_pass] != ids[:one_pass]  # each pass shuffled anew
    again = [block["input_ids"] for block in itertools.islice(blocks.blocks(), count)]
    assert again == ids  # the same order on every read: what an exact resume relies on
    from_17 = [block["input_ids"] for block in itertools.islice(blocks.blocks(start=one_pass + 17), 30)]
    assert from_17 == ids[one_pass + 17 : one_pass + 47]


@pytest.mark.slow  # two whole runs and a kill
def test_a_streamed_run_killed_mid_way_resumes_to_the_uninterrupted_runs_weights(tmp_path, corpus):
    recipe = streaming_recipe(tmp_path, corpus)
    settings = ("train.checkpoint_every=7", "train.max_steps=120")  # 120 x 8 blocks: the stream is read twice
    whole = tmp_path / "whole"
    result = run(recipe, whole, *settings)
    assert result.exit_code == 0, result.output
    assert "streaming the training split" in result.output
    metrics = json.loads((whole / "metrics.json").read_text())
    assert metrics["train"]["steps"] == 120 and metrics["data"]["train_examples"] == "streamed"
    assert metrics["after"]["perplexity"] < metrics["before"]["perplexity"]
    assert metrics["baselines"][0]["name"] == "unigram"

    killed = tmp_path / "killed"
    process = start_run(recipe, killed, *settings)
    step = wait_for_checkpoint(process, killed, at_least=60)  # in the stream's second pass
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "metrics.json").exists()
    result = run(recipe, killed, *settings)
    assert result.exit_code == 0, result.output
    assert f"step {step} of 120" in result.output
    expected, resumed = weights(whole), weights(killed)
    for name in expected:
        np.testing.assert_array_equal(resumed[name], expected[name], err_msg=name)


@pytest.mark.slow  # a whole run
def test_masked_lm_streams_too(tmp_path, corpus):
    recipe = streaming_recipe(tmp_path, corpus, task="fill-mask", data_class="MaskedLMData", config=TINY_DISTILBERT)
    result = run(recipe, tmp_path / "run", "train.max_steps=10")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["train"]["steps"] == 10


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["train.max_steps=0"], "data.streaming=True needs train.max_steps"),
        (["data.streaming=False"], "train.max_steps is for data.streaming=True; without it, set train.epochs"),
        (["train.length_buckets=4"], "data.streaming runs on one machine, without length buckets"),
        (["data.text_column='body'"], "has no column 'body' (columns: text); set data.text_column to one of them"),
    ],
)
def test_settings_a_stream_cannot_take_are_refused_in_one_line(tmp_path, corpus, overrides, message):
    result = run(streaming_recipe(tmp_path, corpus), tmp_path / "run", *overrides)
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "run").exists()
