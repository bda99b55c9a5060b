"""The training loop: Keras `fit`, one epoch per call, in an order a resumed run can repeat.

A run killed at step g and resumed must train on exactly the batches an uninterrupted run
would have seen from step g on. So the data order is not left to a tf.data shuffle (whose
state restarts with the process): epoch e visits the examples in a permutation drawn from
(seed, e) (with train.length_buckets, grouped by length: tfhf.data.length_buckets), and a
resumed epoch starts at its first unseen batch. Random collators (masked LM) draw from a
NumPy generator seeded by the batch's own content, so prefetching and signature probing
cannot shift their draws. Dropout's generators, the optimizer and the weights come back
from the checkpoint (tfhf.train.checkpoints).

Between steps, `TrainingMonitor` counts steps, watches the loss (the first NaN or Inf
stops the run and names the last good checkpoint), honours a stop request from a signal,
evaluates when an evaluation is due (tfhf.train.evaluations; one may stop training early), and
then saves checkpoints every `checkpoint_every` steps and at each epoch's end.
"""

import math
import time
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np
import tensorflow as tf

from tfhf.data.static_batches import static_batches
from tfhf.data.streaming import is_streamed, stream_batches
from tfhf.errors import TfhfError
from tfhf.train.signals import Interrupted


@dataclass
class Progress:
    """Where training stands; saved in every checkpoint's state.json."""

    global_step: int = 0
    epoch_losses: list = field(default_factory=list)  # mean training loss of each finished epoch
    epoch_loss_sum: float = 0.0  # the unfinished epoch's summed step losses, before this process resumed it
    epoch_loss_steps: int = 0
    seconds: float = 0.0  # time spent in training steps, over all processes of this run
    paused_seconds: float = 0.0  # time fit spent evaluating and saving checkpoints instead, not in `seconds`
    stopped_early: bool = False  # eval.patience ran out: no more steps, even in a resumed run
    step_losses: list = field(default_factory=list)  # [optimizer step, its training loss] of every Keras call

    def to_dict(self):
        return asdict(self)


class NonFiniteLoss(TfhfError):
    """The loss became NaN or infinite; the weights are ruined, so nothing more is saved."""


def epoch_order(size, seed, epoch):
    """The order in which epoch `epoch` visits `size` examples: the same on every run with this seed."""
    return np.random.default_rng([seed, epoch]).permutation(size)


class ContentSeededCollator:
    """Calls `collate` with NumPy's global generator seeded by the batch's own token ids.

    The data collators of transformers (masking for MLM) draw from np.random. tf.data
    calls the collator ahead of training (prefetch) and a few extra times to probe the
    output signature, so a shared stream of draws would not line up with steps; a
    seed taken from the batch content gives every batch the same draws on every run.
    """

    def __init__(self, collate, seed):
        self.collate = collate
        self.seed = seed

    def __call__(self, examples):
        ids = [np.asarray(example.get("input_ids", ()), dtype=np.int64) for example in examples]
        np.random.seed([self.seed, zlib.crc32(np.concatenate(ids).tobytes()) if ids else 0])
        return self.collate(examples)


def epoch_batches(model, train_split, collate, batch_size, seed, epoch, first_step, buckets=None, static_shapes=False):
    """The tf.data batches of epoch `epoch` from step `first_step` on (the last partial batch dropped).

    With `buckets` (tfhf.data.length_buckets.LengthBuckets), batches group examples of similar
    length and are padded to their bucket's length; without, the order is a plain shuffle
    and each batch is padded to its longest row. `batch_size` is the global batch: a
    distribution strategy splits each batch between its replicas, and between workers
    by data (every worker builds the same batches and keeps its share of each), since
    batches made by Python cannot be sharded by file. `static_shapes` (TPUs, with
    buckets): the epoch's batches computed up front and served from tensors (tfhf.data.static_batches).
    """
    steps = len(train_split) // batch_size
    if buckets is None:
        order = epoch_order(len(train_split), seed, epoch)
    else:
        order = buckets.epoch_order(seed, epoch, batch_size)
        collate = _padded_to_buckets(collate, buckets)
    batches = model.prepare_tf_dataset(
        train_split.select(order[first_step * batch_size : steps * batch_size], keep_in_memory=True),
        batch_size=batch_size,
        shuffle=False,
        drop_remainder=True,
        collate_fn=ContentSeededCollator(collate, seed),
    )
    if static_shapes:
        batches = static_batches(batches)
    # A known length lets Keras cut the epoch's last execution short (train.steps_per_execution)
    batches = batches.apply(tf.data.experimental.assert_cardinality(steps - first_step))
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # No autotuning thread: deleting the iterator at the end of fit waited for it, up to 44 s
    # in full QA runs (py-spy: ~RootDataset::Iterator). Prefetch still sizes its own buffer.
    options.autotune.enabled = False
    return batches.with_options(options)


def _padded_to_buckets(collate, buckets):
    def collate_and_pad(examples):
        return buckets.pad(collate(examples))

    return collate_and_pad


def reached_multiple(previous_step, step, every):
    """Whether steps previous_step+1..step include a multiple of `every` (0: never).

    With train.steps_per_execution > 1 Keras hands control back every few steps, so a
    step-periodic action runs at the first return at or past its step.
    """
    return bool(every) and step // every > previous_step // every


class TrainingMonitor(tf.keras.callbacks.Callback):
    """Counts steps, stops on a non-finite loss or a signal, evaluates when due, and saves checkpoints."""

    def __init__(self, progress, steps_per_epoch, save, latest, checkpoint_every, stop_requests, evaluations=None):
        super().__init__()
        self.progress = progress
        self.steps_per_epoch = steps_per_epoch
        self.save = save  # save() -> the checkpoint folder written
        self.latest = latest  # latest() -> the newest checkpoint folder, or None
        self.checkpoint_every = checkpoint_every
        self.stop_requests = stop_requests
        self.evaluations = evaluations  # tfhf.train.evaluations.Evaluations, or None
        self._segment = (0.0, 0)  # (mean loss, steps) of this fit call so far
        self._last_call_began = 0  # the global step before Keras's latest call (train.steps_per_execution)

    def on_train_begin(self, logs=None):
        self._started = self._batch_ended = time.perf_counter()
        self._segment = (0.0, 0)

    def on_train_end(self, logs=None):
        self.progress.seconds += time.perf_counter() - self._started
        self._started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        progress = self.progress
        previous_step = progress.global_step
        # `batch + 1` steps of this fit call (one epoch) are done: more than one since the
        # last call when Keras runs several steps per execution.
        progress.global_step += batch + 1 - self._segment[1]
        loss = float(logs["loss"])  # Keras's running mean over this fit call: non-finite from the first bad step on
        if math.isfinite(loss):  # the mean of this call's new steps, from the running means before and after
            mean, steps = self._segment
            step_loss = (loss * (batch + 1) - mean * steps) / (batch + 1 - steps)
            progress.step_losses.append([progress.global_step, round(step_loss, 4)])
        self._segment = (loss, batch + 1)
        if not math.isfinite(loss):
            self.model.stop_training = True
            raise NonFiniteLoss(self._describe_bad_loss(loss, previous_step + 1))
        if self.stop_requests.requested is not None:
            self._stop_now()
        self._last_call_began = previous_step
        at_epoch_end = progress.global_step % self.steps_per_epoch == 0  # evaluated and saved by on_epoch_end
        evaluations = self.evaluations
        due = evaluations and reached_multiple(previous_step, progress.global_step, evaluations.every_steps)
        if due and not at_epoch_end:
            self._pause(time.perf_counter(), self._evaluate)
        if reached_multiple(previous_step, progress.global_step, self.checkpoint_every) and not at_epoch_end:
            self._pause(time.perf_counter(), self._save)
        self._batch_ended = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        progress = self.progress
        total, steps = self._epoch_loss()
        progress.epoch_losses.append(total / steps)
        progress.epoch_loss_sum, progress.epoch_loss_steps = 0.0, 0
        self._segment = (0.0, 0)
        evaluations, step = self.evaluations, progress.global_step
        if evaluations and step % self.steps_per_epoch == 0:  # not an epoch cut short by an early stop
            due = evaluations.each_epoch or reached_multiple(self._last_call_began, step, evaluations.every_steps)
            if due:
                self._pause(self._batch_ended, self._evaluate)
                self._batch_ended = time.perf_counter()
        self._pause(self._batch_ended, self._save)
        if self.stop_requests.requested is not None:  # the signal came during the epoch-end evaluation
            raise Interrupted(self.stop_requests.requested, self.latest(), progress.global_step)

    def _evaluate(self):
        """One evaluation of the weights as they are now; an early stop ends this fit and the run's training."""
        step = self.progress.global_step
        if self.evaluations.run(self.model, step, epoch=(step - 1) // self.steps_per_epoch + 1):
            self.progress.stopped_early = True
            self.model.stop_training = True

    def _pause(self, since, work):
        """Runs `work` and leaves the time from `since` to its end out of the training time."""
        try:
            return work()
        finally:
            paused = time.perf_counter() - since
            self._started += paused
            self.progress.paused_seconds += paused

    def _epoch_loss(self):
        mean, steps = self._segment
        return self.progress.epoch_loss_sum + mean * steps, self.progress.epoch_loss_steps + steps

    def _save(self):
        """Saves with the unfinished epoch's loss folded in, as a resumed run will need it."""
        progress = self.progress
        kept = (progress.epoch_loss_sum, progress.epoch_loss_steps, progress.seconds)
        progress.epoch_loss_sum, progress.epoch_loss_steps = self._epoch_loss()
        progress.seconds += time.perf_counter() - self._started
        try:
            return self.save()
        finally:
            progress.epoch_loss_sum, progress.epoch_loss_steps, progress.seconds = kept

    def _stop_now(self):
        self.model.stop_training = True
        raise Interrupted(self.stop_requests.requested, self._save(), self.progress.global_step)

    def _describe_bad_loss(self, loss, first_new_step):
        """Names the step, or the steps of the execution, where the loss went bad."""
        last_step = self.progress.global_step
        epoch, last_in_epoch = divmod(last_step - 1, self.steps_per_epoch)
        latest = self.latest()
        kept = f"the last good checkpoint is {latest}" if latest else "no checkpoint had been saved yet"
        if first_new_step == last_step:
            where = f"step {last_step} (epoch {epoch + 1}, step {last_in_epoch + 1})"
        else:  # several steps per execution: Keras reports the loss after all of them
            first_in_epoch = last_in_epoch - (last_step - first_new_step)
            where = (
                f"one of steps {first_new_step}-{last_step} "
                f"(epoch {epoch + 1}, steps {first_in_epoch + 1}-{last_in_epoch + 1})"
            )
        return (
            f"the training loss became {loss} at {where}; training stopped and {kept}; "
            "a lower train.learning_rate (or more warmup) usually helps"
        )


class OneEpoch(tf.keras.callbacks.Callback):
    """Stops `fit` after the epoch it started with: each epoch has batches of its own (epoch_batches)."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


@dataclass(frozen=True)
class StepPlan:
    """How many optimizer steps a run takes; decided once (step_plan) for the schedule, the loop and the log."""

    steps_per_epoch: int
    epochs: int

    @property
    def total(self):
        return self.steps_per_epoch * self.epochs


def step_plan(train, train_split, batch_size):
    """The StepPlan of `train` (the recipe's part) over `train_split` at `batch_size` examples per step.

    A streamed training split (tfhf.data.streaming.TokenBlocks) is one "epoch" of train.max_steps steps.
    """
    if is_streamed(train_split):
        return StepPlan(train.max_steps, 1)
    return StepPlan(len(train_split) // batch_size, train.epochs)


def fit_epochs(
    model,
    train_split,
    collate,
    batch_size,
    plan,
    seed,
    callbacks,
    progress,
    verbose,
    buckets=None,
    static_shapes=False,
):
    """Runs `fit` for every epoch of `plan` not yet finished, starting at `progress.global_step` (see epoch_batches)."""
    steps_per_epoch, epochs = plan.steps_per_epoch, plan.epochs
    while progress.global_step < plan.total and not progress.stopped_early:
        epoch, first_step = divmod(progress.global_step, steps_per_epoch)
        started = time.perf_counter()
        if is_streamed(train_split):
            batches = stream_batches(train_split, ContentSeededCollator(collate, seed), batch_size, first_step,
                                     steps_per_epoch)  # fmt: skip
        else:
            batches = epoch_batches(
                model, train_split, collate, batch_size, seed, epoch, first_step, buckets, static_shapes
            )
        progress.seconds += time.perf_counter() - started  # TPUs compute the epoch's batches here: training's time
        # epochs=the run's total, so Keras's log says "Epoch 2/4"; OneEpoch ends this fit after its epoch
        model.fit(batches, epochs=epochs, initial_epoch=epoch, callbacks=[*callbacks, OneEpoch()], verbose=verbose)
