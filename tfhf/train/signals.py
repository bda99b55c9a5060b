"""Stopping a run cleanly on SIGINT (Ctrl-C) or SIGTERM (a preempted machine, `kill`).

While training, the first signal only raises a flag: the current step finishes, a
checkpoint is saved, and the run exits with 128 + the signal number (130 for SIGINT, 143
for SIGTERM), the shell's convention. A second signal exits at once. Outside training
(loading data, evaluating) there is nothing to save, so the first signal stops the run
right away, with the same exit status.
"""

import os
import signal
import sys
from contextlib import contextmanager

CAUGHT = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):  # not a TfhfError: the user asked for it, and it exits 130 or 143
    """The run was stopped by a signal; `checkpoint` is the folder saved on the way out, if any."""

    def __init__(self, signum, checkpoint=None, step=None):
        self.signum = signum
        self.checkpoint = checkpoint
        self.step = step
        super().__init__(self.describe())

    @property
    def exit_code(self):
        return 128 + self.signum

    def describe(self):
        name = signal.Signals(self.signum).name
        if self.checkpoint is None:  # outside training: nothing new to save
            return f"stopped by {name}; running the same command again resumes from the latest checkpoint, if any"
        return (
            f"stopped by {name} at step {self.step}; checkpoint saved to {self.checkpoint}; "
            "run the same command again to resume"
        )


class StopRequests:
    """What the signal handlers saw; training polls `requested` between steps."""

    def __init__(self):
        self.requested = None  # the first signal's number, while training
        self.training = False

    def handle(self, signum, frame):
        if self.requested is not None:  # the second signal: no more waiting
            sys.stderr.write(f"\ntfhf: stopped by {signal.Signals(signum).name} (second signal), nothing saved\n")
            sys.stderr.flush()
            os._exit(128 + signum)
        if not self.training:
            raise Interrupted(signum)
        self.requested = signum
        sys.stderr.write(f"\ntfhf: {signal.Signals(signum).name}: finishing this step and saving a checkpoint\n")
        sys.stderr.flush()


@contextmanager
def stop_requests():
    """Installs the handlers for the duration of a run; yields the StopRequests they fill."""
    requests = StopRequests()
    previous = {signum: signal.signal(signum, requests.handle) for signum in CAUGHT}
    try:
        yield requests
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
