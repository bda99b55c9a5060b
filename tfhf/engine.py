"""The training engine: one resolved Recipe in, one output directory out.

Read top to bottom, this is the whole flow:

    runtime -> raw data -> tokenizer -> task preprocessing (datasets.map) -> model ->
    prepare_tf_dataset(task collator) -> create_optimizer -> compile -> evaluate ->
    fit, one epoch at a time, with checkpoints (tfhf.training) -> evaluate ->
    output directory (model, tokenizer, recipe.json, metrics.json)

Every check of the user's input (task, data, columns, model name) happens before anything
is written. The output directory is locked for the whole run, and published all at once at
the end (tfhf.run_dir); a folder tfhf did not write is never replaced.
While training, checkpoints/ in the output directory lets a killed run resume (tfhf.resume).
"""

import errno
import json
import re
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import tensorflow as tf

from tfhf import distribution, resume, run_dir, runtime
from tfhf.baselines import verdict
from tfhf.checkpoints import CheckpointStore, trainable_state
from tfhf.data_fingerprint import data_fingerprints
from tfhf.degenerate_outputs import degenerate_output_warnings
from tfhf.errors import TfhfError
from tfhf.evaluations import LOWER_IS_BETTER, Evaluations
from tfhf.hub_push import HubPushCallback, HubPusher, hub_token
from tfhf.log_format import banner, describe_metrics
from tfhf.log_progress import LogProgress
from tfhf.model_card import shown_name, write_model_card
from tfhf.model_files import save_model_files
from tfhf.preflight import run_preflight
from tfhf.preparation import (
    build,
    checked_task,
    compile_for_training,
    install_train_step,
    load_data,
    start_runtime,
    tokenize,
)
from tfhf.recipe import Recipe
from tfhf.run_dir import write_json, write_jsonl
from tfhf.run_metrics import RunMetrics
from tfhf.signals import stop_requests
from tfhf.startup_phases import FirstStepClock, StartupPhases
from tfhf.streaming import TokenBlocks
from tfhf.tasks.base import Task
from tfhf.tensorboard_scores import logged_steps, write_scores
from tfhf.training import Progress, TrainingMonitor, fit_epochs

DISK_FULL = re.compile(r"No space left on device|os error 28", re.IGNORECASE)
TENSORBOARD_LOGS = "logs"  # TensorBoard's folder: in checkpoints/ while training, then in the output directory


def run(recipe, output_dir, log=print, restart=False):
    """Train and evaluate as `recipe` says; write the results to `output_dir`; return metrics.

    A run stopped by a signal or a crash resumes from its latest checkpoint when run again
    into the same `output_dir` (unless `restart`). In a multi-worker run only the chief
    writes `output_dir`; the other workers keep their checkpoints in a scratch folder
    beside it (so they can resume too) and remove it when the run is complete.
    """
    phases = StartupPhases()
    task = checked_task(recipe, log)
    planned = distribution.plan(recipe.runtime)
    token = push_token(recipe, planned)  # a missing token stops the run now, not after training
    if planned.replicas:  # refused before any strategy starts; a TPU's replicas are known once it is connected
        planned.global_batch(recipe.train)
    output_dir = Path(output_dir)
    if not planned.is_chief:
        output_dir = output_dir.with_name(f".{output_dir.name}.worker-{planned.worker_index}")
        log(f"worker {planned.worker_index} is not the chief: its files go to {output_dir}, removed at the end")
    run_dir.check_output_dir(output_dir, task.name)  # before the lock file is written beside it
    with run_dir.output_lock(output_dir, log):
        run_dir.recover(output_dir, log)
        run_dir.check_output_dir(output_dir, task.name)  # again: the recovery may have put a run back
        with stop_requests() as requests, disk_full_as_one_line(output_dir):
            metrics = _run(recipe, task, planned, output_dir, log, restart, requests, token, phases)
        if not planned.is_chief:
            shutil.rmtree(output_dir, ignore_errors=True)
    return metrics


def _run(recipe, task, planned, output_dir, log, restart, requests, token, phases):
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = load_data(recipe, task, log)
    recipe_dict = json.loads(json.dumps(recipe.to_dict()))  # as recipe.json holds it: tuples become lists
    fingerprints = data_fingerprints(raw, task.columns(recipe.data), recipe.data)
    saved = resume.saved_run(output_dir, recipe_dict, fingerprints, restart, log)
    checkpoints = resume.checkpoints_folder(output_dir)
    phases.end("data")
    recipe, tokenizer, tokenized, lengths_cut = tokenize(
        recipe, task, raw, log, checkpoints / resume.TOKENIZER if saved else None
    )
    phases.end("tokenizing")
    data = recipe.data
    started = start_runtime(recipe, planned, tokenized["train"], tokenizer, threads, log)
    strategy, planned, batch_size, buckets = started.strategy, started.planned, started.batch_size, started.buckets
    with strategy.scope():
        model = build(recipe, task, tokenizer, log, new_tokenizer=not saved)
        phases.end("model")
        if recipe.train.preflight and saved:  # same recipe, same data (tfhf.resume): the checks passed already
            log("preflight checks: passed when this run started, not repeated on resume")
        elif recipe.train.preflight:
            banner(log, "Preflight checks")
            micro_batch = batch_size // recipe.train.gradient_accumulation_steps  # what one forward pass takes
            run_preflight(recipe, task, model, tokenizer, tokenized["train"], buckets, log, True, micro_batch)
            phases.end("preflight")
        streamed = isinstance(tokenized["train"], TokenBlocks)
        steps_per_epoch = recipe.train.max_steps if streamed else len(tokenized["train"]) // batch_size  # optimizer
        epochs = 1 if streamed else recipe.train.epochs  # a stream's one "epoch" is train.max_steps steps
        total_steps = steps_per_epoch * epochs
        optimizer = compile_for_training(recipe, model, total_steps)
        step_callbacks = install_train_step(recipe, task, model)
        state = trainable_state(model, optimizer)
    evaluate = task.evaluator(model, tokenizer, recipe, raw["validation"], tokenized["validation"])
    phases.end("optimizer")
    settings = recipe.eval
    evaluations = None
    if settings.each_epoch or settings.every_steps:
        evaluations = Evaluations(
            evaluate, settings.each_epoch, settings.every_steps, settings.best_metric, settings.patience, log
        )
    run_dir.claim(output_dir, task.name)
    run = TrainingRun(
        task=task,
        recipe=recipe,
        model=model,
        tokenizer=tokenizer,
        state=state,
        store=CheckpointStore(
            checkpoints, recipe.train.keep_checkpoints, log, in_background=recipe.train.checkpoint_in_background
        ),
        metrics=RunMetrics(task=task.name),
        evaluations=evaluations,
        card_name=recipe.hub.repo_id or output_dir.name,
    )

    if saved:
        run.metrics = RunMetrics.from_dict(saved["scores"])
        run.showcase_before = saved.get("showcase_before", [])
        latest, checkpoint_state, best_weights = run.store.restore_newest(state)
        run.progress = Progress(**checkpoint_state["progress"])
        if evaluations:
            evaluations.load_state(checkpoint_state["evaluations"], best_weights)
        epoch, step = divmod(run.progress.global_step, steps_per_epoch)
        banner(log, f"Resuming from {latest}")
        log(f"step {run.progress.global_step} of {total_steps}: epoch {epoch + 1}, step {step} of {steps_per_epoch}")
    else:
        run.metrics.data = {
            "source": shown_name(data.path), "config": data.name,
            "train_examples": "streamed" if streamed else len(raw["train"]),
            "validation_examples": len(raw["validation"]), "validation": raw["validation"].info.description,
            "cut_by_length": lengths_cut,
        }  # fmt: skip
        run.metrics.baselines = task.baseline_scores(raw, tokenized, data, tokenizer)
        if run.metrics.baselines:
            banner(log, "Baselines")
            for baseline in run.metrics.baselines:
                log(f"{baseline['name']}: {describe_metrics({k: v for k, v in baseline.items() if k != 'name'})}")
        phases.end("baselines")
        if recipe.eval.before_training:
            banner(log, "Evaluation before training")
            run.metrics.before, _ = evaluate("before")
            log(describe_metrics(run.metrics.before))
            if task.showcase_before:
                run.showcase_before = task.showcase(model, tokenizer, recipe, phase="before")
            phases.end("evaluation_before_training")
        resume.save_run_start(
            checkpoints, recipe_dict, fingerprints, run.metrics.to_dict(), run.showcase_before, tokenizer
        )

    banner(log, f"Training: {epochs} epoch(s) of {steps_per_epoch} steps")
    monitor = TrainingMonitor(
        run.progress,
        steps_per_epoch,
        run.save_checkpoint,
        run.store.latest,
        recipe.train.checkpoint_every,
        requests,
        evaluations,
    )
    callbacks = [*step_callbacks, monitor, FirstStepClock(phases)]
    callbacks.append(
        tf.keras.callbacks.TensorBoard(
            log_dir=str(checkpoints / TENSORBOARD_LOGS), write_graph=False, update_freq=logged_steps(steps_per_epoch)
        )
    )
    if not sys.stdout.isatty():  # Keras prints a line per epoch only: a log file gets one at least every 30 s
        callbacks.append(LogProgress(run.progress, total_steps, steps_per_epoch, log))
    pusher = None
    if token:
        pusher = HubPusher(recipe.hub.repo_id, token, log, private=recipe.hub.private)
        callbacks.append(HubPushCallback(pusher, run.save_snapshot, run.progress, recipe.hub.every_steps))
    requests.training = True
    try:
        with strategy.scope():  # the input pipelines too, as tf.distribute asks
            fit_epochs(
                model,
                tokenized["train"],
                task.collator(tokenizer, model, data),
                batch_size,
                epochs,
                recipe.train.seed,
                callbacks=callbacks,
                progress=run.progress,
                verbose=1 if sys.stdout.isatty() else 2,
                buckets=buckets,
                static_shapes=planned.strategy == "tpu",
            )
    finally:
        run.store.wait()  # the checkpoint still being written, also when training stopped
    requests.training = False
    seconds = max(run.progress.seconds, 1e-9)
    steps = run.progress.global_step  # fewer than total_steps after an early stop
    samples = steps * batch_size
    metrics = run.metrics
    metrics.train = {
        "seconds": round(seconds, 2),
        "samples_per_second": round(samples / seconds, 1),  # training steps only
        "eval_and_checkpoint_seconds": round(run.progress.paused_seconds, 2),
        "steps": steps,
        "loss": [round(loss, 4) for loss in run.progress.epoch_losses],
    }
    log(
        f"{samples} samples in {seconds:.1f} s of training steps ({samples / seconds:.1f} samples/s, first-step "
        f"tracing included); evaluations and checkpoints during training took {run.progress.paused_seconds:.1f} s more"
    )
    if phases.total is not None:
        metrics.startup = phases.to_dict()
        log(phases.summary())
    if run.progress.stopped_early:
        metrics.train["stopped_early"] = True
    if evaluations:
        evaluations.restore_best(model)
        metrics.evaluations = evaluations.scores
        metrics.best_step = evaluations.best["step"] if evaluations.best else None

    banner(log, "Evaluation after training")
    metrics.after, predictions = evaluate("after")
    log(describe_metrics(metrics.after))
    outputs = [row["prediction"] for row in predictions if isinstance(row.get("prediction"), str)]
    for warning in degenerate_output_warnings(outputs, generated=task.generates):
        log(warning)
    if metrics.before:
        before, after = metrics.before[task.headline], metrics.after[task.headline]
        log(f"{task.headline}: {before:.4g} -> {after:.4g} ({after - before:+.4g})")
    against_baselines = verdict(metrics.after, metrics.baselines, task.headline, task.headline in LOWER_IS_BETTER)
    if against_baselines:
        log(against_baselines)
    predictions += task.showcase(model, tokenizer, recipe, phase="after", before=run.showcase_before)
    scored = [(0, metrics.before)] if metrics.before else []
    scored += [(scores["step"], scores) for scores in metrics.evaluations]
    write_scores(checkpoints / TENSORBOARD_LOGS, [*scored, (steps, metrics.after)])

    banner(log, f"Saving to {output_dir}")
    with run_dir.staged_directory(output_dir, task.name) as staging:
        save_model_files(model, tokenizer, task, recipe, staging)
        write_json(staging / "recipe.json", recipe.to_dict())
        write_json(staging / "metrics.json", metrics.to_dict())
        write_jsonl(staging / "predictions.jsonl", predictions)
        write_model_card(staging, recipe.to_dict(), metrics.to_dict(), task, run.card_name)
        if (checkpoints / TENSORBOARD_LOGS).is_dir():
            shutil.copytree(checkpoints / TENSORBOARD_LOGS, staging / TENSORBOARD_LOGS)
    if pusher:
        banner(log, f"Pushing to the Hub: {recipe.hub.repo_id}")
        pushed = pusher.push_and_wait(output_dir, "End of training")
        pusher.close()
        metrics_note = "" if pushed else f"; the run is complete on disk: send it with `tfhf push {output_dir}`"
        log(f"final push {'done' if pushed else 'failed'}{metrics_note}")
    written = sorted(path.name for path in output_dir.iterdir() if not path.name.startswith("."))
    log(f"\nwrote {output_dir}: {', '.join(written)}")
    log(f'next: tfhf predict {output_dir} "your text"   (or load it with transformers, README.md shows how)')
    return metrics.to_dict()


@dataclass
class TrainingRun:
    """What lives across one run's training, and the two ways it is saved while training goes on."""

    task: Task
    recipe: Recipe
    model: object
    tokenizer: object
    state: tf.train.Checkpoint
    """Everything training changes (tfhf.checkpoints.trainable_state)."""
    store: CheckpointStore
    metrics: RunMetrics
    evaluations: Evaluations | None
    card_name: str
    progress: Progress = field(default_factory=Progress)
    showcase_before: list = field(default_factory=list)

    def save_checkpoint(self):
        """A checkpoint of training as it stands now (called by tfhf.training.TrainingMonitor)."""
        checkpoint_state = {"progress": self.progress.to_dict()}
        best_weights = None
        if self.evaluations:
            checkpoint_state["evaluations"] = self.evaluations.state()
            best_weights = self.evaluations.best_weights
        return self.store.save(self.progress.global_step, self.state, checkpoint_state, best_weights)

    def save_snapshot(self, folder):
        """Model, tokenizer and model card as they are now: what a push during training sends."""
        save_model_files(self.model, self.tokenizer, self.task, self.recipe, folder)
        scores = replace(self.metrics, train={"loss": self.progress.epoch_losses})
        if self.evaluations:
            scores.evaluations = self.evaluations.scores
        write_model_card(folder, self.recipe.to_dict(), scores.to_dict(), self.task, self.card_name)


@contextmanager
def disk_full_as_one_line(output_dir):
    """A full disk while training or publishing, as one line: checkpoints and publishing are atomic, so nothing is lost."""
    try:
        yield
    except Exception as error:
        if not (getattr(error, "errno", None) == errno.ENOSPC or DISK_FULL.search(str(error))):
            raise
        raise TfhfError(
            f"the disk is full while writing {output_dir}; free some space and run the same command again "
            "(it resumes from the last complete checkpoint; nothing already written was lost)"
        ) from None


def push_token(recipe, planned):
    """The Hub token when this process pushes (hub.repo_id set, chief worker), else None."""
    if not recipe.hub.repo_id or not planned.is_chief:
        return None
    return hub_token()


def diagnose(recipe, log=print):
    """`tfhf doctor`: prepares data, tokenizer, runtime and model exactly as a run would, then runs the preflight checks."""
    task = checked_task(recipe, log)
    planned = distribution.plan(recipe.runtime)
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = load_data(recipe, task, log)
    recipe, tokenizer, tokenized, _ = tokenize(recipe, task, raw, log)
    started = start_runtime(recipe, planned, tokenized["train"], tokenizer, threads, log)
    with started.strategy.scope():
        model = build(recipe, task, tokenizer, log, new_tokenizer=True)
        banner(log, "Preflight checks")
        micro_batch = started.batch_size // recipe.train.gradient_accumulation_steps
        return run_preflight(
            recipe, task, model, tokenizer, tokenized["train"], started.buckets, log, False, micro_batch
        )
