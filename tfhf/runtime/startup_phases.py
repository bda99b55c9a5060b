"""Where a run's time goes before its first training step: each phase's wall seconds, from the process's start.

A run's fixed costs (imports, tokenizing, preflight, the evaluation before training, tracing
the training step) can rival its training on a small job. metrics.json keeps them under
"startup", and the log says them once training ends, so a slow start is visible without a
profiler.
"""

import os
import time

import tensorflow as tf


def seconds_since_process_start():
    """Wall seconds since this process started, from Linux's /proc (10 ms resolution); None where that is unknown."""
    try:
        with open("/proc/self/stat") as f:
            # Fields after the command's closing parenthesis begin at field 3 of proc(5); starttime is field 22.
            fields = f.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class StartupPhases:
    """Wall seconds per phase, each phase ending where the next begins; the first runs from the process's start."""

    def __init__(self):
        now = time.perf_counter()
        since_start = seconds_since_process_start()
        self.seconds = {}
        if since_start is None:  # the phases before this object are not known; the total counts from here
            self._origin = self._last = now
        else:
            self._origin, self._last = now - since_start, now
            self.seconds["imports"] = since_start  # Python, TensorFlow, transformers and the recipe file
        self.total = None

    def end(self, phase):
        """Ends `phase` now (a phase ended twice adds up)."""
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now

    def end_first_step(self):
        """Ends the last phase, the first training step (tracing it included), and fixes the total."""
        self.end("first_step")
        self.total = self._last - self._origin

    def to_dict(self):
        phases = {phase: round(seconds, 2) for phase, seconds in self.seconds.items()}
        return {"phases": phases, "to_first_step": round(self.total, 2) if self.total is not None else None}

    def summary(self):
        phases = ", ".join(f"{phase.replace('_', ' ')} {seconds:.1f}" for phase, seconds in self.seconds.items())
        return f"start-up: {self.total:.1f} s from the process's start to the end of the first training step ({phases})"


class FirstStepClock(tf.keras.callbacks.Callback):
    """Ends the start-up phases at the end of the first training step of this process."""

    def __init__(self, phases):
        super().__init__()
        self.phases = phases

    def on_train_batch_end(self, batch, logs=None):
        if self.phases.total is None:
            self.phases.end_first_step()
