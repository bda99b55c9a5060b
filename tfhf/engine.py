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
from pathlib import Path

import tensorflow as tf

from tfhf import distribution, resume, run_dir, runtime
from tfhf.checkpoints import CheckpointStore, trainable_state
from tfhf.data_fingerprint import data_fingerprints
from tfhf.epoch_evaluation import EpochEvaluation
from tfhf.errors import TfhfError
from tfhf.hub_push import HubPushCallback, HubPusher, hub_token
from tfhf.log_format import banner, describe_metrics
from tfhf.model_card import write_model_card
from tfhf.model_files import save_model_files
from tfhf.preflight import run_preflight
from tfhf.preparation import build, checked_task, compile_for_training, load_data, start_runtime, tokenize
from tfhf.run_dir import write_json, write_jsonl
from tfhf.signals import stop_requests
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
            metrics = _run(recipe, task, planned, output_dir, log, restart, requests, token)
        if not planned.is_chief:
            shutil.rmtree(output_dir, ignore_errors=True)
    return metrics


def _run(recipe, task, planned, output_dir, log, restart, requests, token):
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = load_data(recipe, task, log)
    recipe_dict = json.loads(json.dumps(recipe.to_dict()))  # as recipe.json holds it: tuples become lists
    fingerprints = data_fingerprints(raw, task.columns(recipe.data))
    saved = resume.saved_run(output_dir, recipe_dict, fingerprints, restart, log)
    checkpoints = resume.checkpoints_folder(output_dir)
    tokenizer, tokenized = tokenize(recipe, task, raw, log, checkpoints / resume.TOKENIZER if saved else None)
    data = recipe.data
    started = start_runtime(recipe, planned, tokenized["train"], tokenizer, threads, log)
    strategy, planned, batch_size, buckets = started.strategy, started.planned, started.batch_size, started.buckets
    with strategy.scope():
        model = build(recipe, task, tokenizer, log, new_tokenizer=not saved)
        if recipe.train.preflight:
            banner(log, "Preflight checks")
            run_preflight(recipe, task, model, tokenizer, tokenized["train"], buckets, log, True, batch_size)
        steps_per_epoch = len(tokenized["train"]) // batch_size
        total_steps = steps_per_epoch * recipe.train.epochs
        optimizer = compile_for_training(recipe, model, total_steps)
        state = trainable_state(model, optimizer)
    evaluate = task.evaluator(model, tokenizer, recipe, raw["validation"], tokenized["validation"])
    each_epoch = EpochEvaluation(evaluate, recipe.eval.best_metric, log) if recipe.eval.each_epoch else None
    run_dir.claim(output_dir, task.name)
    store = CheckpointStore(checkpoints, keep=recipe.train.keep_checkpoints, log=log)
    progress = Progress()

    if saved:
        metrics = saved["scores"]
        latest, checkpoint_state, best_weights = store.restore_newest(state)
        progress = Progress(**checkpoint_state["progress"])
        if each_epoch:
            each_epoch.load_state(checkpoint_state["each_epoch"], best_weights)
        epoch, step = divmod(progress.global_step, steps_per_epoch)
        banner(log, f"Resuming from {latest}")
        log(f"step {progress.global_step} of {total_steps}: epoch {epoch + 1}, step {step} of {steps_per_epoch}")
    else:
        metrics = {"task": task.name}
        baseline = task.baseline_scores(raw["validation"], data)
        if baseline:
            metrics["baseline"] = baseline
            banner(log, f"Baseline: {baseline['name']}")
            log(describe_metrics({k: v for k, v in baseline.items() if k != "name"}))
        if recipe.eval.before_training:
            banner(log, "Evaluation before training")
            metrics["before"], _ = evaluate("before")
            log(describe_metrics(metrics["before"]))
        resume.save_run_start(checkpoints, recipe_dict, fingerprints, metrics, tokenizer)

    def save_checkpoint():
        checkpoint_state = {"progress": progress.to_dict()}
        if each_epoch:
            checkpoint_state["each_epoch"] = each_epoch.state()
        return store.save(
            progress.global_step, state, checkpoint_state, each_epoch.best_weights if each_epoch else None
        )

    card_name = recipe.hub.repo_id or output_dir.name

    def save_snapshot(folder):
        """Model, tokenizer and model card as they are now: what a push during training sends."""
        save_model_files(model, tokenizer, task, recipe, folder)
        scores = {
            **metrics,
            "train": {"loss": progress.epoch_losses},
            "epochs": each_epoch.scores if each_epoch else [],
        }
        write_model_card(folder, recipe_dict, scores, task, card_name)

    banner(log, f"Training: {recipe.train.epochs} epoch(s) of {steps_per_epoch} steps")
    monitor = TrainingMonitor(
        progress, steps_per_epoch, save_checkpoint, store.latest, recipe.train.checkpoint_every, requests
    )
    callbacks = [each_epoch, monitor] if each_epoch else [monitor]  # evaluate before the epoch's checkpoint
    callbacks.append(tf.keras.callbacks.TensorBoard(log_dir=str(checkpoints / TENSORBOARD_LOGS), write_graph=False))
    pusher = None
    if token:
        pusher = HubPusher(recipe.hub.repo_id, token, log, private=recipe.hub.private)
        callbacks.append(HubPushCallback(pusher, save_snapshot, progress, recipe.hub.every_steps))
    requests.training = True
    with strategy.scope():  # the input pipelines too, as tf.distribute asks
        fit_epochs(
            model,
            tokenized["train"],
            task.collator(tokenizer, model, data),
            batch_size,
            recipe.train.epochs,
            recipe.train.seed,
            callbacks=callbacks,
            progress=progress,
            verbose=1 if sys.stdout.isatty() else 2,
            buckets=buckets,
            static_shapes=planned.strategy == "tpu",
        )
    requests.training = False
    seconds = max(progress.seconds, 1e-9)
    samples = total_steps * batch_size
    metrics["train"] = {
        "seconds": round(seconds, 2),
        "samples_per_second": round(samples / seconds, 1),
        "steps": total_steps,
        "loss": [round(loss, 4) for loss in progress.epoch_losses],
    }
    log(f"{samples} samples in {seconds:.1f} s ({samples / seconds:.1f} samples/s, first-step tracing included)")
    if each_epoch:
        each_epoch.restore_best()
        metrics["epochs"] = each_epoch.scores
        if each_epoch.best_epoch:
            metrics["best_epoch"] = each_epoch.best_epoch

    banner(log, "Evaluation after training")
    metrics["after"], examples = evaluate("after")
    log(describe_metrics(metrics["after"]))
    if "before" in metrics:
        change = metrics["after"][task.headline] - metrics["before"][task.headline]
        log(
            f"{task.headline}: {metrics['before'][task.headline]:.4g} -> {metrics['after'][task.headline]:.4g} ({change:+.4g})"
        )

    banner(log, f"Saving to {output_dir}")
    with run_dir.staged_directory(output_dir, task.name) as staging:
        save_model_files(model, tokenizer, task, recipe, staging)
        write_json(staging / "recipe.json", recipe.to_dict())
        write_json(staging / "metrics.json", metrics)
        write_jsonl(staging / "predictions.jsonl", examples)
        write_model_card(staging, recipe.to_dict(), metrics, task, card_name)
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
    return metrics


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
    tokenizer, tokenized = tokenize(recipe, task, raw, log)
    started = start_runtime(recipe, planned, tokenized["train"], tokenizer, threads, log)
    with started.strategy.scope():
        model = build(recipe, task, tokenizer, log, new_tokenizer=True)
        banner(log, "Preflight checks")
        return run_preflight(
            recipe, task, model, tokenizer, tokenized["train"], started.buckets, log, False, started.batch_size
        )
