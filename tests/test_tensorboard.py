"""TensorBoard's training scalars: tfhf's callback writes what Keras's own writes, skipping its work on other steps."""

import numpy as np
import pytest
import tensorflow as tf

from tfhf.publish.tensorboard import TrainingScalars


def batch_losses(log_dir):
    """[(step, value)] of every batch_loss scalar under `log_dir`, in the order written."""
    points = []
    for events in sorted(log_dir.rglob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(events)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            points += [
                (event.step, float(tf.make_ndarray(v.tensor))) for v in event.summary.value if v.tag == "batch_loss"
            ]
    return points


STEPS_PER_FIT = 7


def train_with(board, steps_per_execution, finished_steps):
    """Two fit calls of 7 steps each (one per epoch, as tfhf.train.loop.fit_epochs calls fit) with `board`.

    `finished_steps[0]` counts the steps of the fit calls done, as the run's progress does.
    Beside a callback with a batch hook, as tfhf's are: Keras calls batch hooks, and so writes
    batch-level scalars, only when some callback has one.
    """
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    x = np.random.default_rng(0).normal(size=(4 * STEPS_PER_FIT, 3)).astype("float32")
    watcher = tf.keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: None)
    for epoch in range(2):
        model.fit(
            x, x[:, :1], batch_size=4, epochs=epoch + 1, initial_epoch=epoch, callbacks=[watcher, board], verbose=0
        )
        finished_steps[0] += STEPS_PER_FIT


def run_steps(points_per_fit_call):
    """Keras's points, written at its counter that restarts with each fit call, at the run's step."""
    points, fit_calls, previous = [], 0, 0
    for step, value in points_per_fit_call:
        fit_calls += step <= previous
        points.append((fit_calls * STEPS_PER_FIT + step, value))
        previous = step
    return points


@pytest.mark.parametrize("steps_per_execution", [1, 2])
def test_training_losses_are_written_at_the_runs_step_across_fit_calls(tmp_path, steps_per_execution):
    keras_board = tf.keras.callbacks.TensorBoard(str(tmp_path / "keras"), write_graph=False, update_freq=1)
    train_with(keras_board, steps_per_execution, [0])
    finished = [0]
    train_with(TrainingScalars(str(tmp_path / "tfhf"), update_freq=3, steps_before=lambda: finished[0]),
               steps_per_execution, finished)  # fmt: skip
    every_step = dict(run_steps(batch_losses(tmp_path / "keras")))
    ours = batch_losses(tmp_path / "tfhf")
    # the curve goes on over the second epoch (Keras's own starts again at 3)
    assert [step for step, _ in ours] == ([3, 6, 9, 12] if steps_per_execution == 1 else [6, 9])
    assert [value for _, value in ours] == pytest.approx([every_step[step] for step, _ in ours], rel=1e-6)
