"""Every evaluation's scores in the run's TensorBoard logs, beside Keras's training loss and learning rate.

Keras's TensorBoard callback writes the training loss (per logged step and per epoch) and
the learning rate; this writes the validation scores of each evaluation (before training,
after each epoch, after training) under `validation/<metric>`, at the global step they
were measured at, into the `validation` folder of the same log directory. TrainingScalars is
Keras's callback without its work after the steps it does not write.
"""

import tensorflow as tf

from tfhf.log_format import is_number


def write_scores(log_dir, evaluations):
    """`evaluations`: (global step, metrics dict) pairs; only the numeric metrics are written."""
    writer = tf.summary.create_file_writer(str(log_dir / "validation"))
    with writer.as_default():
        for step, metrics in evaluations:
            for name, value in metrics.items():
                if is_number(value):
                    tf.summary.scalar(f"validation/{name}", value, step=step)
    writer.close()


class TrainingScalars(tf.keras.callbacks.TensorBoard):
    """Keras's TensorBoard callback (no graph, no profiling), its work after a step done only on the steps it writes.

    Keras's own calls `tf.summary.scalar` after every step and leaves it to a `record_if`
    condition to drop all but the steps whose counter is a multiple of `update_freq`: a
    few eager ops every step, 0.7-0.8 ms on a 2-core machine, several percent of a small
    model's step (`tfhf bench`'s training-step gap). This tests the same condition in
    Python first, so the same steps are written with the same values.
    """

    def __init__(self, log_dir, update_freq):
        super().__init__(log_dir=log_dir, write_graph=False, update_freq=update_freq)

    def on_train_batch_end(self, batch, logs=None):
        # Keras's step counter restarts with each fit call: it is batch + 1 when this runs
        if isinstance(self.update_freq, int) and (batch + 1) % self.update_freq:
            return
        super().on_train_batch_end(batch, logs)


def logged_steps(steps_per_epoch):
    """How often Keras logs the training loss: about 20 points an epoch, at least every step."""
    return max(1, steps_per_epoch // 20)
