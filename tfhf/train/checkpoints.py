"""Training checkpoints written atomically, so a run killed at any moment can resume.

A checkpoint is a folder `ckpt-<global step>` holding the TensorFlow checkpoint of the
model, the optimizer (Adam moments and its step counter, which drives the learning-rate
schedule) and the dropout random generators, plus `state.json` (where training stands and
what it has measured so far). It is written aside as `.partial-ckpt-<step>`, flushed to
disk, renamed into place, and only then named in the `latest` file (itself replaced in one
rename). A crash at any point leaves the previous checkpoint complete and still `latest`;
the leftovers of an interrupted save are removed when the store is next opened.

A LoRA run's checkpoints (train.lora_rank) hold only the weights it trains (the adapters
and a new head) with their optimizer slots: 3.6 MB where the whole model and its slots
took 1,314 MB (a classifier of BERT-base's size, rank 8). The frozen rest is not saved: a resumed run rebuilds it as the run started
from it, read from model.checkpoint again or made by the same seeded initialisation, and
a digest of it saved in each checkpoint proves it is the same (`FrozenWeights`). When it
is not (the checkpoint's files changed since), the resume is refused instead of going on
from other weights.

Saving takes training's time only for a copy of the variables in memory: TensorFlow's
async checkpointing (CheckpointOptions.experimental_enable_async_checkpoint) snapshots
them and writes the files on its own thread, and a thread of ours then flushes, renames
and prunes. One save is in flight at most: the next save, and `wait()` (called before the
run reads its results or exits), wait for it and raise what went wrong in it. The snapshot
costs one more copy of the variables in memory; `in_background=False`
(train.checkpoint_in_background) writes in the foreground instead.
"""

import functools
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfhf.errors import TfhfError
from tfhf.model.lora import frozen_digest, lora_of, trained_weights
from tfhf.runtime.start import random_generators

LATEST = "latest"
PARTIAL_PREFIX = ".partial-"
BEST_WEIGHTS = "best_weights.npz"
CHECKPOINT_NAME = re.compile(r"ckpt-(\d+)$")


def checkpoint_name(step):
    return f"ckpt-{step:08d}"


def trainable_state(model, optimizer):
    """The tf.train.Checkpoint of everything training changes, ready to write or restore."""
    # Slot variables (Adam's moments) must exist before a restore can fill them. transformers'
    # AdamWeightDecay is a legacy (OptimizerV2) optimizer here, which has no public `build`.
    if hasattr(optimizer, "build"):
        optimizer.build(model.trainable_variables)
    else:
        optimizer._create_all_weights(model.trainable_variables)
    if lora_of(model) is None:
        parts = {"model": model}
    else:  # the trained weights by name, and proof that the frozen ones are those the run started with
        parts = {"trained": trained_weights(model), "frozen": FrozenWeights(frozen_digest(model))}
    checkpoint = tf.train.Checkpoint(optimizer=optimizer, dropout=random_generators(model), **parts)
    checkpoint.save_counter  # noqa: B018 - created now: an async write saves it, so every read must expect it
    return checkpoint


class FrozenWeights(tf.train.experimental.PythonState):
    """The digest of a LoRA run's frozen weights, saved in each checkpoint and compared on restore."""

    def __init__(self, digest):
        self.digest = digest

    def serialize(self):
        return self.digest

    def _copy_trackable_to_cpu(self, object_map):
        # What TensorFlow's async checkpointing asks of a saved object (else it warns and skips it)
        object_map.setdefault(self, FrozenWeights(self.digest))

    def deserialize(self, string_value):
        saved = string_value.decode() if isinstance(string_value, bytes) else string_value
        if saved != self.digest:
            raise TfhfError(
                "the frozen weights of this LoRA run differ from those it started with (model.checkpoint's files "
                "changed since, or a from-scratch model's seeded initialisation did): its checkpoints hold only the "
                "trained weights, so it cannot resume; rerun with --restart"
            )


class CheckpointStore:
    """The checkpoints of one run: `folder/ckpt-<step>/`, and `folder/latest` naming the newest."""

    def __init__(self, folder, keep=2, log=None, in_background=True):
        self.folder = Path(folder)
        self.keep = keep
        self.log = log
        self.in_background = in_background
        self._finishing = None  # the thread completing the save in flight
        self._failure = None  # what went wrong in it, raised by the next wait()
        self.folder.mkdir(parents=True, exist_ok=True)
        for leftover in self.folder.glob(PARTIAL_PREFIX + "*"):  # an interrupted save's remains
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink()
            if log:
                log(f"removed {leftover.name}, an interrupted checkpoint save's remains")

    def latest(self):
        """The newest complete checkpoint folder, or None when none was saved.

        When `latest` cannot be read or names an incomplete folder, the newest complete
        checkpoint is used instead, with a log line; a TfhfError only when there is none.
        A save still in flight is waited for: it is the newest.
        """
        self.wait()
        pointer = self.folder / LATEST
        if not pointer.exists() and not pointer.is_symlink():
            return None
        try:
            named = self.folder / pointer.read_text(encoding="utf-8").strip()
            problem = None if is_complete(named) else f"names {named.name}, which is missing or incomplete"
        except (OSError, ValueError) as error:
            named, problem = None, f"cannot be read ({type(error).__name__})"
        if problem is None:
            return named
        fallback = next(iter(self.complete_checkpoints()), None)
        if fallback is None:
            raise TfhfError(f"{pointer} {problem}; rerun with --restart")
        if self.log:
            self.log(f"{pointer} {problem}; using {fallback.name}, the newest complete checkpoint")
        return fallback

    def complete_checkpoints(self):
        """The complete checkpoint folders, newest first."""
        found = [
            (int(match.group(1)), path)
            for path in self.folder.iterdir()
            if (match := CHECKPOINT_NAME.match(path.name)) and is_complete(path)
        ]
        return [path for _, path in sorted(found, reverse=True)]

    def restore_newest(self, trackable):
        """Restores the newest checkpoint that reads back whole into `trackable`: (folder, state, best weights).

        A checkpoint whose files are damaged (truncated variables, corrupt state.json) is
        skipped for the next older one, with a log line; none readable is a TfhfError.
        """
        latest = self.latest()
        candidates = [latest] + [path for path in self.complete_checkpoints() if path != latest]
        for path in candidates:
            try:
                state, best_weights = self.restore(path, trackable)
            except (tf.errors.OpError, ValueError, OSError, IndexError, AssertionError) as error:
                if self.log:
                    self.log(f"checkpoint {path.name} cannot be restored ({type(error).__name__}); trying an older one")
                continue
            return path, state, best_weights
        raise TfhfError(f"no checkpoint in {self.folder} can be restored; rerun with --restart")

    def save(self, step, trackable, state, best_weights=None):
        """Starts writing checkpoint `step`; it becomes the latest once complete. Returns its folder.

        It holds the TensorFlow objects of `trackable`, the JSON `state`, and, when given,
        `best_weights` (the best evaluation's weights so far, kept by tfhf.train.evaluations).
        Training may go on as soon as this returns: the variables are already copied.
        """
        self.wait()
        started = time.perf_counter()
        final = self.folder / checkpoint_name(step)
        partial = self.folder / (PARTIAL_PREFIX + final.name)
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        options = tf.train.CheckpointOptions(experimental_enable_async_checkpoint=self.in_background)
        trackable.write(str(partial / "variables"), options=options)
        state_text = json.dumps(state, indent=2)  # as it is now: training goes on changing `state`'s objects
        snapshot_seconds = time.perf_counter() - started
        finish = functools.partial(
            self._finish, trackable, partial, final, state_text, best_weights, started, snapshot_seconds
        )
        if not self.in_background:
            finish()
            return final
        self._finishing = threading.Thread(target=self._record_failure, args=(finish,), daemon=True)
        self._finishing.start()
        return final

    def wait(self):
        """Returns once no save is in flight; raises the error of one that failed."""
        if self._finishing is not None:
            self._finishing.join()
            self._finishing = None
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def _record_failure(self, finish):
        try:
            finish()
        except BaseException as error:  # noqa: BLE001 - handed to the training thread by wait()
            self._failure = error

    def _finish(self, trackable, partial, final, state_text, best_weights, started, snapshot_seconds):
        """Completes a save once TensorFlow has written the variables: the rest of the files, flushed, renamed."""
        trackable.sync()
        if not (partial / "variables.index").is_file():  # TensorFlow keeps its thread's error for its next write
            raise TfhfError(f"writing the variables of {final.name} into {partial} failed; nothing older was lost")
        with open(partial / "state.json", "w", encoding="utf-8") as f:
            f.write(state_text)
        if best_weights is not None:
            np.savez(partial / BEST_WEIGHTS, *best_weights)
        sync_folder(partial)
        if final.exists():  # the same step saved again (an epoch end that is also a step multiple)
            shutil.rmtree(final)
        os.rename(partial, final)
        replace_text(self.folder / LATEST, final.name)
        self.prune()
        if self.log:
            size = sum(path.stat().st_size for path in final.rglob("*") if path.is_file())
            where = (
                f"training paused {snapshot_seconds:.1f} s for the copy" if self.in_background else "in the foreground"
            )
            self.log(
                f"saved checkpoint {final.name}: {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s ({where})"
            )

    def prune(self):
        """Keeps the newest `keep` checkpoints (the latest always among them)."""
        steps = sorted(
            (int(match.group(1)), path)
            for path in self.folder.iterdir()
            if path.is_dir() and (match := CHECKPOINT_NAME.match(path.name))
        )
        for _, path in steps[: -max(self.keep, 1)]:
            shutil.rmtree(path, ignore_errors=True)

    @staticmethod
    def restore(path, trackable):
        """Loads checkpoint folder `path` into `trackable`; returns (state, best weights or None)."""
        path = Path(path)
        trackable.read(str(path / "variables")).assert_consumed()
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
        best_weights = None
        if (path / BEST_WEIGHTS).exists():
            with np.load(path / BEST_WEIGHTS) as arrays:
                best_weights = [arrays[f"arr_{index}"] for index in range(len(arrays.files))]
        return state, best_weights


def is_complete(path):
    """Whether checkpoint folder `path` holds everything a restore reads: variables and a parseable state.json."""
    try:
        json.loads((path / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (path / "variables.index").is_file()


def replace_text(path, text):
    """Writes `text` to `path` in one rename: readers see the old content or the new, never half."""
    path = Path(path)
    partial = path.with_name(PARTIAL_PREFIX + path.name)
    with open(partial, "w", encoding="utf-8") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def sync_folder(folder):
    """Flushes every file of `folder` to disk, so a rename never publishes data still in flight."""
    for path in Path(folder).iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())
