"""train.steps_per_execution: several training steps per call into TensorFlow, counted and checkpointed right."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from tests.helpers import run, weights, write_task_recipe
from tfhf.recipe import SAMPLES_DIR
from tfhf.train.loop import NonFiniteLoss, Progress, TrainingMonitor, reached_multiple


def test_reached_multiple_sees_every_multiple_a_call_steps_over():
    assert reached_multiple(0, 1, 1)
    assert reached_multiple(4, 8, 5)  # 5 lies in 5..8
    assert not reached_multiple(5, 9, 5)
    assert reached_multiple(6, 12, 7) and reached_multiple(12, 18, 7)  # 7, then 14
    assert not reached_multiple(0, 100, 0)  # 0: never


def monitor_of(progress, saved):
    """A TrainingMonitor of 20-step epochs, checkpointing every 7 steps into `saved` (the steps saved at)."""
    return TrainingMonitor(
        progress,
        steps_per_epoch=20,
        save=lambda: saved.append(progress.global_step) or f"ckpt-{progress.global_step}",
        latest=lambda: f"ckpt-{saved[-1]}" if saved else None,
        checkpoint_every=7,
        stop_requests=SimpleNamespace(requested=None),
    )


def test_the_monitor_counts_every_step_of_an_execution_and_checkpoints_at_the_first_call_past_a_multiple():
    progress, saved = Progress(), []
    monitor = monitor_of(progress, saved)
    monitor.on_train_begin()
    for batch in (5, 11, 17, 19):  # Keras's calls with 6 steps per execution: the last call is cut to 2 steps
        monitor.on_train_batch_end(batch, {"loss": 1.0})
    assert progress.global_step == 20
    assert saved == [12, 18]  # steps 7 and 14; step 20 is the epoch's end, saved after evaluation
    monitor.on_epoch_end(0)
    assert saved == [12, 18, 20]


def test_a_bad_loss_names_the_steps_of_the_execution_it_came_from():
    progress, saved = Progress(global_step=20), []
    monitor = monitor_of(progress, saved)
    monitor.on_train_begin()
    monitor.on_train_batch_end(5, {"loss": 1.0})
    monitor.model = SimpleNamespace(stop_training=False)
    with pytest.raises(NonFiniteLoss) as error:
        monitor.on_train_batch_end(11, {"loss": math.nan})
    message = str(error.value)
    assert "nan at one of steps 27-32 (epoch 2, steps 7-12); training stopped" in message
    assert "the last good checkpoint is ckpt-26" in message


def test_several_steps_per_execution_train_the_same_steps_as_one(tmp_path):
    data = {"path": str(SAMPLES_DIR / "emotion"), "max_train_samples": 320, "max_eval_samples": 32, "max_length": 32}
    recipe = write_task_recipe(tmp_path, "text-classification", "ClassificationData", data, epochs=2)
    one, six = tmp_path / "one", tmp_path / "six"  # 20 steps per epoch: executions of 6, 6, 6 and 2 steps
    for out, steps in ((one, 1), (six, 6)):
        result = run(recipe, out, f"train.steps_per_execution={steps}", "train.checkpoint_every=7")
        assert result.exit_code == 0, result.output
    expected, got = weights(one), weights(six)
    assert expected.keys() == got.keys()
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
