"""Training progress as plain log lines, for output that goes to a file.

Keras's progress bar needs a terminal; written to a log file, it prints nothing until an
epoch ends (one user's epoch took 513 s). When stdout is not a terminal, this prints a
line at most every `every_seconds`: the step against the run's total, the epoch, the
running loss, the speed and the time left.
"""

import time

import tensorflow as tf


class LogProgress(tf.keras.callbacks.Callback):
    def __init__(self, progress, total_steps, steps_per_epoch, log, every_seconds=30.0):
        super().__init__()
        self.progress = progress  # tfhf.train.loop.Progress, its global_step kept by TrainingMonitor
        self.total_steps = total_steps
        self.steps_per_epoch = steps_per_epoch
        self.log = log
        self.every_seconds = every_seconds
        self._last = None  # (time, global step) of the last line, or of the start of this fit call

    def on_train_begin(self, logs=None):
        self._last = (time.perf_counter(), self.progress.global_step)

    def on_train_batch_end(self, batch, logs=None):
        now, step = time.perf_counter(), self.progress.global_step
        since, since_step = self._last
        if now - since < self.every_seconds or step == since_step:
            return
        rate = (step - since_step) / (now - since)
        left = (self.total_steps - step) / rate
        epoch = min(step // self.steps_per_epoch + 1, self.total_steps // self.steps_per_epoch)
        loss = f", loss {float(logs['loss']):.4f}" if logs and "loss" in logs else ""
        self.log(
            f"step {step}/{self.total_steps} (epoch {epoch}/{self.total_steps // self.steps_per_epoch}){loss}, "
            f"{rate:.2f} steps/s, about {_duration(left)} left"
        )
        self._last = (now, step)


def _duration(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
