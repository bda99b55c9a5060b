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
    """Keras's TensorBoard callback (no graph, no profiling), counting the run's steps, not one fit call's.

    tfhf calls `fit` once per epoch (tfhf.train.loop.fit_epochs), and Keras's callback writes
    each batch's scalars at its step counter, which restarts with every fit call: the loss
    curve would start over at each epoch, and a resumed run's over the first one. This writes
    them at the run's global step instead: `steps_before()` is the run's step when a fit
    call begins.

    Keras's own calls `tf.summary.scalar` after every step and leaves it to a `record_if`
    condition to drop all but the steps that are multiples of `update_freq`: a few eager ops
    every step, 0.7-0.8 ms on a 2-core machine, several percent of a small model's step
    (`tfhf bench`'s training-step gap). This tests the condition in Python first.
    """

    def __init__(self, log_dir, update_freq, steps_before=lambda: 0):
        super().__init__(log_dir=log_dir, write_graph=False, update_freq=update_freq)
        self._steps_before = steps_before
        self._first_step = 0

    def set_model(self, model):
        super().set_model(model)
        # Keras's record_if condition and its scalars both read this step (set before each write)
        self._train_step = tf.Variable(0, dtype=tf.int64, trainable=False)

    def on_train_begin(self, logs=None):
        self._first_step = self._steps_before()
        super().on_train_begin(logs)

    def on_train_batch_end(self, batch, logs=None):
        step = self._first_step + batch + 1  # batch restarts at 0 with each fit call
        if isinstance(self.update_freq, int) and step % self.update_freq:
            return
        self._train_step.assign(step)
        super().on_train_batch_end(batch, logs)


def logged_steps(steps_per_epoch):
    """How often Keras logs the training loss: about 20 points an epoch, at least every step."""
    return max(1, steps_per_epoch // 20)
