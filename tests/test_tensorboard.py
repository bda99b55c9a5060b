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


def train_with(board, steps_per_execution):
    """Two fit calls of 7 steps each (one per epoch, as tfhf.train.loop.fit_epochs calls fit) with `board`.

    Beside a callback with a batch hook, as tfhf's are: Keras calls batch hooks, and so writes
    batch-level scalars, only when some callback has one.
    """
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    x = np.random.default_rng(0).normal(size=(28, 3)).astype("float32")
    watcher = tf.keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: None)
    for epoch in range(2):
        model.fit(
            x, x[:, :1], batch_size=4, epochs=epoch + 1, initial_epoch=epoch, callbacks=[watcher, board], verbose=0
        )


@pytest.mark.parametrize("steps_per_execution", [1, 2])
def test_the_same_training_losses_are_written_as_by_keras_own_callback(tmp_path, steps_per_execution):
    train_with(tf.keras.callbacks.TensorBoard(str(tmp_path / "keras"), write_graph=False, update_freq=3),
               steps_per_execution)  # fmt: skip
    train_with(TrainingScalars(str(tmp_path / "tfhf"), update_freq=3), steps_per_execution)
    keras, ours = batch_losses(tmp_path / "keras"), batch_losses(tmp_path / "tfhf")
    assert [step for step, _ in keras] == ([3, 6, 3, 6] if steps_per_execution == 1 else [6, 6])  # per fit call
    assert [step for step, _ in ours] == [step for step, _ in keras]
    assert [value for _, value in ours] == pytest.approx([value for _, value in keras], rel=1e-6)
