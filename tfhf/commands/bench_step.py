"""`tfhf bench`'s training-step figures: the step alone against the step as `tfhf run` runs it.

Both time one model built, compiled and given its train step by the run's own code
(tfhf.train.preparation.compile_with_run_step: transformers' `train_step`, or tfhf's
when the recipe accumulates gradients, smooths labels or chunks the LM loss), on the
run's first batches (tfhf.run.fit.train_epochs' pipeline, with the recipe's own length
buckets):

- in fit: the run's loop itself (tfhf.run.fit.train_epochs): Keras `fit` over tf.data,
  epoch by epoch, with tfhf's callbacks and progress line. Checkpoints are not written
  and nothing is evaluated: a run counts both apart from its training time.
- alone: the same train step, compiled with the signature Keras traces it with and
  called in a tight loop on the same batches, taken out of tf.data beforehand and placed
  on the weights' device; no callbacks. Each step's loss is read back, so each step has
  finished before the next one's clock starts, as in fit.

Rounds alternate between the two (in fit, then alone, on the same batches), so a slow
moment of a shared machine hits both. Each figure is the median time per step over every
round's steps after the first `warmup`; the first step of each fit call (one per epoch)
is not counted, since it starts that epoch's input pipeline. The gap, (in fit - alone) /
in fit, is the work the loop does around the step.
"""

import functools
import math
import statistics
import tempfile
import time
from pathlib import Path

import tensorflow as tf

from tfhf.log_format import banner
from tfhf.run import fit
from tfhf.run.state import TrainingRun
from tfhf.train import preparation
from tfhf.train.loop import Progress, StepPlan, epoch_batches, step_plan
from tfhf.train.signals import StopRequests
from tfhf.train.train_step import NEXT_TOKENS, AccumulatingStep

GAP = (
    "what fit adds around the step: tf.data making each batch (the collator and padding, in Python) and handing "
    "it over, Keras's loop and its logs, and tfhf's callbacks (step and loss bookkeeping, TensorBoard's scalars, "
    "the progress line)"
)


def report_training_step(recipe, task, tokenizer, train, started, steps, warmup, rounds, log):
    """measure_training_step under its banner, its figures logged; returns them."""
    banner(log, "Training step: alone, and in fit as tfhf run runs it")
    figures = measure_training_step(recipe, task, tokenizer, train, started, steps, warmup, rounds, log)
    log("\n".join(describe_training_step(figures)))
    return figures


def measure_training_step(recipe, task, tokenizer, train, started, steps, warmup, rounds, log):
    """The step's figures (see the module's docstring) for `recipe` as it stands, in `rounds` rounds.

    Each round runs `warmup` + `steps` steps in fit, then alone on the same batches, so a
    slow moment of the machine hits both; the medians are over the timed steps of all rounds.
    """
    run = prepared_run(recipe, task, tokenizer, train, started, log)
    step = describe_step(run.model)
    log(f"the train step tfhf run installs: {step}")
    count = warmup + steps
    timed = {"alone": [], "in_fit": []}
    per_round = []
    for round_number in range(rounds):
        in_fit = time_in_fit(run, count, warmup)
        if round_number == 0:  # after fit has traced the step: the step fit left in place, compiled once
            signature, batches = batches_in_memory(run, count)
            compiled = compiled_step(run.model, signature)
        alone = time_alone(compiled, batches, warmup)
        timed["alone"] += alone
        timed["in_fit"] += in_fit
        per_round.append(medians(alone, in_fit))
        log(f"round {round_number + 1}: {describe_medians(per_round[-1])}")
    settings = {"train_step": step, "steps_per_execution": recipe.train.steps_per_execution}
    return {**settings, **figures(timed["alone"], timed["in_fit"]), "rounds": per_round}


def prepared_run(recipe, task, tokenizer, train, started, log):
    """A TrainingRun holding what `tfhf run` trains with: its batches' settings and its model, compiled with its step.

    `log` takes the run's progress lines.
    """
    run = TrainingRun(task, recipe, output_dir=None, log=log, planned=started.planned)
    run.strategy, run.batch_size, run.tokenizer = started.strategy, started.batch_size, tokenizer
    run.tokenized = {"train": train}
    run.buckets = preparation.length_buckets(
        recipe, train, tokenizer, quiet, static=fit.static_shapes(run), batch_size=run.batch_size
    )
    tf.keras.utils.set_random_seed(recipe.train.seed)  # the same initial weights as the pipelines' models
    with run.strategy.scope():
        run.model = preparation.build(recipe, task, tokenizer, log=quiet, new_tokenizer=True)
        _, run.step_callbacks = preparation.compile_with_run_step(
            recipe, task, run.model, step_plan(recipe.train, train, run.batch_size).total
        )
    return run


def quiet(_line):
    """Drops a line: the bench's log has shown what the run's preparation says already."""


def describe_step(model):
    """Which train step `model` trains with, and its settings."""
    # Keras's train function holds the step wrapped to be traced without AutoGraph (tfhf.train.step_tracing)
    step = getattr(model.train_step, "converted_step", model.train_step)
    if not isinstance(step, AccumulatingStep):
        return "the model's own train_step (transformers)"
    settings = [f"{step.micro_batches} micro-batches per step"] if step.micro_batches > 1 else []
    if step.chunked:
        settings.append("chunked LM loss" if step.loss_kind == NEXT_TOKENS else "LM head on masked positions only")
    if step.label_smoothing:
        settings.append(f"label smoothing {step.label_smoothing}")
    return f"tfhf.train.train_step.AccumulatingStep ({', '.join(settings)})"


def time_in_fit(run, count, warmup):
    """Seconds of each step after `warmup` of the run's own loop from its first step, stopped after `count` steps."""
    steps_per_epoch = step_plan(run.recipe.train, run.tokenized["train"], run.batch_size).steps_per_epoch
    # Enough epochs for `count` steps: the clock stops the loop there, as an early stop ends a run's training
    run.steps = StepPlan(steps_per_epoch, math.ceil(count / steps_per_epoch))
    run.progress, run.store = Progress(), NoCheckpoints()
    clock = StepClock(run.progress, count)
    with tempfile.TemporaryDirectory() as folder:  # TensorBoard's scalars are written, as in a run
        run.output_dir = Path(folder)
        fit.train_epochs(run, [*fit.callbacks(run, StopRequests(), pusher=None), clock])
    return clock.seconds_per_step(warmup)


class NoCheckpoints:
    """The run's checkpoint store, writing nothing: a run counts checkpoints apart from its training time."""

    def save(self, *_):
        return None

    def latest(self):
        return None

    def wait(self):
        pass


class StepClock(tf.keras.callbacks.Callback):
    """The clock between consecutive returns from Keras within each fit call; stops training after `last_step`.

    Placed after tfhf's callbacks, so each interval holds one whole turn of the loop: the
    batch, the step(s) of one execution (train.steps_per_execution) and every callback.
    """

    def __init__(self, progress, last_step):
        super().__init__()
        self.progress = progress  # global_step kept by tfhf.train.loop.TrainingMonitor
        self.last_step = last_step
        self.intervals = []  # (global step before, global step after, seconds)
        self._mark = None

    def on_train_begin(self, logs=None):
        self._mark = None  # a fit call's first step starts its epoch's input pipeline: not timed

    def on_train_batch_end(self, batch, logs=None):
        now, step = time.perf_counter(), self.progress.global_step
        if self._mark is not None:
            self.intervals.append((self._mark[0], step, now - self._mark[1]))
        self._mark = (step, now)
        if step >= self.last_step:
            self.model.stop_training = True
            self.progress.stopped_early = True

    def seconds_per_step(self, warmup):
        """Each step's seconds from step `warmup` + 1 to `last_step`: an execution of several steps counts as that
        many equal steps (the last one may run past `last_step`)."""
        seconds = []
        for before, after, interval in self.intervals:
            timed = min(after, self.last_step) - max(before, warmup)
            if timed > 0:
                seconds += [interval / (after - before)] * timed
        return seconds


def batches_in_memory(run, count):
    """The run's first `count` batches (fit_epochs' epochs, one after another), out of tf.data and on the device.

    Through the strategy's distribution, as fit takes them, so each replica holds its share;
    on one device, copied to the weights' device, so the step alone copies nothing.
    """
    train, collate, seed = run.tokenized["train"], fit.collator(run), run.recipe.train.seed
    epochs = math.ceil(count / run.steps.steps_per_epoch)
    streams = [
        epoch_batches(run.model, train, collate, run.batch_size, seed, epoch, 0, run.buckets, fit.static_shapes(run))
        for epoch in range(epochs)
    ]
    stream = functools.reduce(tf.data.Dataset.concatenate, streams).take(count)
    distributed = run.strategy.experimental_distribute_dataset(stream)
    batches = list(distributed)
    if run.strategy.num_replicas_in_sync == 1:
        with tf.device(run.model.trainable_variables[0].device):
            batches = [tf.nest.map_structure(tf.identity, batch) for batch in batches]
    return distributed.element_spec, batches


def time_alone(step, batches, warmup):
    """Seconds of each call of the compiled `step` after the first `warmup`, one call per batch in memory."""
    seconds = []
    for batch in batches:
        started = time.perf_counter()
        outputs = step(batch)
        tf.nest.map_structure(lambda value: value.numpy(), outputs)  # the step has finished
        seconds.append(time.perf_counter() - started)
    return seconds[warmup:]


def compiled_step(model, signature):
    """`model.train_step` as Keras's train function runs it, one batch per call instead of an iterator.

    `model.train_step` is the one fit left in place (tfhf.train.step_tracing: traced without
    AutoGraph, unless the step branches on a tensor), traced once with the batches'
    signature (their padded lengths unknown), as Keras traces it from the dataset.
    """
    strategy = model.distribute_strategy

    @tf.function(input_signature=[signature])
    def step(batch):
        outputs = strategy.run(model.train_step, args=(batch,))
        # the replicas' metrics are synchronised: the first replica's are the step's, as Keras reports them
        return tf.nest.map_structure(lambda value: strategy.experimental_local_results(value)[0], outputs)

    return step


def medians(alone, in_fit):
    """Both medians in ms per step, and the gap as a share of the step in fit."""
    alone_ms = round(1000 * statistics.median(alone), 3)
    in_fit_ms = round(1000 * statistics.median(in_fit), 3)
    return {
        "alone_ms_per_step": alone_ms,
        "in_fit_ms_per_step": in_fit_ms,
        "gap_percent": gap_percent(alone_ms, in_fit_ms),
    }


def figures(alone, in_fit):
    """The medians over every round's timed steps, how many were timed, and what the gap is."""
    return {**medians(alone, in_fit), "steps_timed": {"alone": len(alone), "in_fit": len(in_fit)}, "gap": GAP}


def gap_percent(alone_ms, in_fit_ms):
    return round(100 * (in_fit_ms - alone_ms) / in_fit_ms, 1)


def describe_medians(result):
    return (
        f"alone (compiled, batches in memory) {result['alone_ms_per_step']:.2f} ms/step, in fit as tfhf run runs it "
        f"{result['in_fit_ms_per_step']:.2f} ms/step: gap {result['gap_percent']}%"
    )


def describe_training_step(results):
    """The figures as the lines bench prints."""
    timed = results["steps_timed"]
    return [
        f"training step {describe_medians(results)} (medians over {timed['alone']} and {timed['in_fit']} steps)",
        f"the gap is {results['gap']}",
    ]
