"""The third phase of a run: Keras `fit`, epoch by epoch, with the callbacks that watch it.

The callbacks checkpoint and evaluate between steps (tfhf.train.loop.TrainingMonitor), end
the start-up clock, write TensorBoard's scalars, print progress to a log file and push to
the Hub while training.
"""

import sys

from tfhf.log_format import banner
from tfhf.publish.hub_push import HubPushCallback
from tfhf.publish.tensorboard import TrainingScalars, logged_steps
from tfhf.runtime.startup_phases import FirstStepClock
from tfhf.train import resume
from tfhf.train.loop import TrainingMonitor, fit_epochs
from tfhf.train.progress import LogProgress

TENSORBOARD_LOGS = "logs"  # TensorBoard's folder: in checkpoints/ while training, then in the output directory


def tensorboard_folder(run):
    return resume.checkpoints_folder(run.output_dir) / TENSORBOARD_LOGS


def fit(run, requests, pusher):
    """Trains until the step plan is done, training stops early, or a stop is requested (tfhf.train.signals)."""
    banner(run.log, f"Training: {run.steps.epochs} epoch(s) of {run.steps.steps_per_epoch} steps")
    requests.training = True
    try:
        train_epochs(run, callbacks(run, requests, pusher))
    finally:
        run.store.wait()  # the checkpoint still being written, also when training stopped
    requests.training = False
    record_training(run)


def train_epochs(run, chosen):
    """Keras `fit` over the run's model, data and step plan with the `chosen` callbacks (`tfhf bench` times this
    loop too, so it stays the run's own)."""
    with run.strategy.scope():  # the input pipelines too, as tf.distribute asks
        fit_epochs(
            run.model,
            run.tokenized["train"],
            collator(run),
            run.batch_size,
            run.steps,
            run.recipe.train.seed,
            callbacks=chosen,
            progress=run.progress,
            verbose=1 if sys.stdout.isatty() else 2,
            buckets=run.buckets,
            static_shapes=static_shapes(run),
        )


def collator(run):
    return run.task.collator(run.tokenizer, run.model, run.recipe.data)


def static_shapes(run):
    """Whether every batch is padded to a fixed shape: TPUs compile one program per input shape."""
    return run.planned.strategy == "tpu"


def callbacks(run, requests, pusher):
    train = run.recipe.train
    monitor = TrainingMonitor(
        run.progress,
        run.steps.steps_per_epoch,
        run.save_checkpoint,
        run.store.latest,
        train.checkpoint_every,
        requests,
        run.evaluations,
    )
    board = TrainingScalars(
        str(tensorboard_folder(run)),
        update_freq=logged_steps(run.steps.steps_per_epoch),
        steps_before=lambda: run.progress.global_step,
    )
    chosen = [*run.step_callbacks, monitor, FirstStepClock(run.phases), board]
    if not sys.stdout.isatty():  # Keras prints a line per epoch only: a log file gets one at least every 30 s
        chosen.append(LogProgress(run.progress, run.steps.total, run.steps.steps_per_epoch, run.log))
    if pusher:
        chosen.append(HubPushCallback(pusher, run.save_snapshot, run.progress, run.recipe.hub.every_steps))
    return chosen


def record_training(run):
    """The training figures in metrics.json, and the start-up phases, each logged once."""
    progress = run.progress
    seconds = max(progress.seconds, 1e-9)
    samples = progress.global_step * run.batch_size  # fewer steps than planned after an early stop
    run.metrics.train = {
        "seconds": round(seconds, 2),
        "samples_per_second": round(samples / seconds, 1),  # training steps only
        "eval_and_checkpoint_seconds": round(progress.paused_seconds, 2),
        "steps": progress.global_step,
        "loss": [round(loss, 4) for loss in progress.epoch_losses],
        "step_loss": progress.step_losses,  # [step, loss]: the card's curve (tfhf.publish.model_card)
    }
    run.log(
        f"{samples} samples in {seconds:.1f} s of training steps ({samples / seconds:.1f} samples/s, first-step "
        f"tracing included); evaluations and checkpoints during training took {progress.paused_seconds:.1f} s more"
    )
    if run.phases.total is not None:
        run.metrics.startup = run.phases.to_dict()
        run.log(run.phases.summary())
    if progress.stopped_early:
        run.metrics.train["stopped_early"] = True
