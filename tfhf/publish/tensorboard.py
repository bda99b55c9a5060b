"""Every evaluation's scores in the run's TensorBoard logs, beside Keras's training loss and learning rate.

Keras's TensorBoard callback writes the training loss (per logged step and per epoch) and
the learning rate; this writes the validation scores of each evaluation (before training,
after each epoch, after training) under `validation/<metric>`, at the global step they
were measured at, into the `validation` folder of the same log directory.
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


def logged_steps(steps_per_epoch):
    """How often Keras logs the training loss: about 20 points an epoch, at least every step."""
    return max(1, steps_per_epoch // 20)
