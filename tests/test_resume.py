"""Real interruptions of a shrunk run in a subprocess: SIGKILL and resume, SIGINT, a NaN loss.

Each test starts `tfhf run` as its own process, waits for a checkpoint to appear, and
signals it, as a preempted machine or a user's Ctrl-C would.
"""

import json
import re
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import run, start_run, wait_for_checkpoint, weights, without_timings, write_task_recipe
from tfhf.recipe import SAMPLES_DIR

pytestmark = pytest.mark.slow

STEPS_PER_EPOCH = 40  # 640 examples, batch 16


def classification_recipe(folder):
    data = {"path": str(SAMPLES_DIR / "emotion"), "max_train_samples": 640, "max_eval_samples": 32, "max_length": 32}
    return write_task_recipe(folder, "text-classification", "ClassificationData", data, epochs=2)


def metrics(run_dir):
    return json.loads((Path(run_dir) / "metrics.json").read_text())


def stop_at_first_checkpoint(recipe, out):
    """Starts a run that checkpoints every 5 steps and stops it with SIGTERM once the first is saved."""
    process = start_run(recipe, out, "train.checkpoint_every=5")
    wait_for_checkpoint(process, out)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode == 143


# Everything a Trainer user turns on at once: micro-batches of 8 summed into steps of 16, clipping, cosine
# decay, label smoothing (tfhf.train.train_step), evaluation every 10 steps and early stopping (tfhf.train.evaluations).
EVERYTHING = (
    "train.batch_size=8", "train.gradient_accumulation_steps=2", "train.max_grad_norm=0.5",
    "train.lr_schedule='cosine'", "train.warmup_ratio=0.1", "train.label_smoothing=0.1",
    "eval.every_steps=10", "eval.best_metric='accuracy'", "eval.patience=3",
)  # fmt: skip


@pytest.mark.parametrize(
    ("more", "kill_at"),
    # 42: after 4 evaluations, one since the best, mid-way through the patience. The plain run saves in the
    # foreground, the other in the background (tfhf.train.checkpoints): both resume exactly.
    [(("train.checkpoint_in_background=False",), 1), (EVERYTHING, 42)],
    ids=["plain-foreground-saves", "accumulation-clipping-cosine-smoothing-early-stop"],
)
def test_a_run_killed_mid_epoch_resumes_to_the_same_weights_as_an_uninterrupted_run(tmp_path, more, kill_at):
    recipe = classification_recipe(tmp_path)
    settings = ("train.checkpoint_every=7", *more)
    whole = tmp_path / "whole"
    result = run(recipe, whole, *settings)
    assert result.exit_code == 0, result.output
    buckets_chosen = re.search(r"train.length_buckets='auto': .*", result.output)  # the default, from the data
    assert buckets_chosen

    killed = tmp_path / "killed"
    process = start_run(recipe, killed, *settings)
    wait_for_checkpoint(process, killed, at_least=kill_at)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "metrics.json").exists()  # it died in training, before publishing anything
    step = int((killed / "checkpoints" / "latest").read_text().split("-")[1])
    assert step % STEPS_PER_EPOCH != 0, step  # a mid-epoch checkpoint

    result = run(recipe, killed, *settings)
    assert result.exit_code == 0, result.output
    assert re.search(rf"Resuming from .*ckpt-0*{step}\b", result.output)
    assert buckets_chosen.group(0) in result.output  # the same batches' order: the same buckets
    assert f"step {step} of {2 * STEPS_PER_EPOCH}" in result.output
    assert "not repeated on resume" in result.output and "Preflight checks" not in result.output
    assert not (killed / "checkpoints").exists()  # the finished run replaced them

    expected, resumed = weights(whole), weights(killed)
    assert expected.keys() == resumed.keys()
    for name in expected:
        np.testing.assert_array_equal(resumed[name], expected[name], err_msg=name)  # exactly, on CPU
    whole_metrics, resumed_metrics = without_timings(metrics(whole)), without_timings(metrics(killed))
    assert resumed_metrics["after"] == whole_metrics["after"] and resumed_metrics["before"] == whole_metrics["before"]
    np.testing.assert_allclose(resumed_metrics["train"]["loss"], whole_metrics["train"]["loss"], atol=2e-4)
    if more is EVERYTHING:  # the evaluations during training, the kept step and where training stopped, all the same
        assert [without_timings(e) for e in resumed_metrics["evaluations"]] == [
            without_timings(e) for e in whole_metrics["evaluations"]
        ]
        assert resumed_metrics["best_step"] == whole_metrics["best_step"]
        assert resumed_metrics["train"]["steps"] == whole_metrics["train"]["steps"]
        assert resumed_metrics["train"].get("stopped_early") == whole_metrics["train"].get("stopped_early")


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_saves_a_checkpoint_exits_128_plus_its_number_and_a_rerun_resumes(tmp_path, signum, exit_code):
    recipe = classification_recipe(tmp_path)
    out = tmp_path / "run"
    process = start_run(recipe, out, "train.checkpoint_every=5")
    wait_for_checkpoint(process, out)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == exit_code, stderr
    last_line = stderr.strip().splitlines()[-1]
    name = signal.Signals(signum).name
    match = re.fullmatch(rf"tfhf: stopped by {name} at step (\d+); checkpoint saved to (\S+); .*resume", last_line)
    assert match, stderr
    assert Path(match.group(2)).is_dir() and Path(match.group(2)).name == f"ckpt-{int(match.group(1)):08d}"
    assert (out / "checkpoints" / "latest").read_text().strip() == Path(match.group(2)).name
    assert "Traceback" not in stderr

    result = run(recipe, out)
    assert result.exit_code == 0, result.output
    assert f"Resuming from {match.group(2)}" in result.output
    assert metrics(out)["train"]["steps"] == 2 * STEPS_PER_EPOCH


def test_a_nan_loss_stops_the_run_naming_the_step_and_the_last_good_checkpoint(tmp_path):
    recipe = classification_recipe(tmp_path)
    out = tmp_path / "run"
    # The learning rate warms up from 0: the first steps are sane and checkpointed, then it explodes.
    # (The preflight overfit test would refuse this learning rate before training: it is skipped here.)
    result = run(
        recipe,
        out,
        "train.learning_rate=1e30",
        "train.warmup_ratio=0.5",
        "train.checkpoint_every=1",
        "train.preflight=False",
    )
    assert result.exit_code == 2, result.output
    message = result.stderr.strip().splitlines()[-1]
    match = re.search(
        r"the training loss became (nan|inf) at step (\d+) \(epoch 1, step \d+\).*checkpoint is (\S+);", message
    )
    assert match, result.stderr
    bad_step, kept = int(match.group(2)), Path(match.group(3))
    assert kept.name == f"ckpt-{bad_step - 1:08d}" and (kept / "state.json").exists()
    assert json.loads((kept / "state.json").read_text())["progress"]["global_step"] == bad_step - 1
    assert not (out / "metrics.json").exists()


def test_a_resume_onto_changed_data_is_refused_naming_the_split(tmp_path):
    data = tmp_path / "emotion"
    shutil.copytree(SAMPLES_DIR / "emotion", data)
    settings = {"path": str(data), "max_train_samples": 640, "max_eval_samples": 32, "max_length": 32}
    recipe = write_task_recipe(tmp_path, "text-classification", "ClassificationData", settings, epochs=2)
    out = tmp_path / "run"
    stop_at_first_checkpoint(recipe, out)

    train = next(data.glob("train.*"))
    rows = train.read_bytes().splitlines(keepends=True)
    train.write_bytes(b"".join(reversed(rows)))  # the same rows in another order: other training data
    result = run(recipe, out)
    assert result.exit_code == 2, result.output
    assert "holds checkpoints of a run trained on other data: the train split(s)" in result.stderr
    assert "--restart" in result.stderr
    assert (out / "checkpoints" / "latest").exists()  # refused, not discarded


def test_a_resumed_masked_lm_run_keeps_its_fills_from_before_training(tmp_path):
    recipe = tmp_path / "fill.py"
    data = {"path": str(SAMPLES_DIR / "summarization_reviews.jsonl"), "text_column": "review_body", "block_size": 32,
            "max_train_samples": 1200, "max_eval_samples": 20}  # fmt: skip
    recipe.write_text(
        "from tfhf.recipe import Eval, Generate, MaskedLMData, Model, Recipe, Train\n"
        "recipe = Recipe(task='fill-mask', model=Model(config={'model_type': 'distilbert', 'dim': 16, "
        "'hidden_dim': 32, 'n_layers': 1, 'n_heads': 2}, tokenizer_vocab_size=300),\n"
        f"    data=MaskedLMData(**{data!r}), train=Train(epochs=2, batch_size=16, learning_rate=1e-3),\n"
        "    eval=Eval(batch_size=16), generate=Generate(prompts=('The price is [MASK].',)))\n"
    )
    out = tmp_path / "run"
    stop_at_first_checkpoint(recipe, out)

    result = run(recipe, out)
    assert result.exit_code == 0, result.output
    assert "Resuming from" in result.output
    [fills] = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(fills["before"]) == len(fills["after"]) == 5  # the fills before training survived the restart
