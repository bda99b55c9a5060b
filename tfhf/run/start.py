"""The second phase of a run: a fresh start, or a resume from the newest checkpoint.

A fresh start measures what the run is judged against (the task's baselines and the
evaluation before training) and saves it beside the checkpoints, so a resumed run reports
the same before-and-after without measuring again.
"""

from tfhf.data.streaming import is_streamed
from tfhf.log_format import banner, describe_metrics
from tfhf.model.loading import random_new_weights
from tfhf.publish.model_card import shown_name
from tfhf.publish.run_metrics import RunMetrics
from tfhf.train import resume
from tfhf.train.loop import Progress


def start_or_resume(run):
    if run.saved:
        resume_from_checkpoint(run)
    else:
        start_fresh(run)


def resume_from_checkpoint(run):
    """Restores the weights, optimizer, progress and evaluations of the newest checkpoint."""
    run.metrics = RunMetrics.from_dict(run.saved["scores"])
    run.showcase_before = run.saved.get("showcase_before", [])
    latest, checkpoint_state, best_weights = run.store.restore_newest(run.state)
    run.progress = Progress(**checkpoint_state["progress"])
    if run.evaluations:
        run.evaluations.load_state(checkpoint_state["evaluations"], best_weights)
    steps = run.steps
    epoch, step = divmod(run.progress.global_step, steps.steps_per_epoch)
    banner(run.log, f"Resuming from {latest}")
    run.log(
        f"step {run.progress.global_step} of {steps.total}: epoch {epoch + 1}, step {step} of {steps.steps_per_epoch}"
    )


def start_fresh(run):
    """Describes the data, scores the baselines and the untrained model, and saves them for a resume."""
    data, raw = run.recipe.data, run.raw
    run.metrics.data = {
        "source": shown_name(data.path), "config": data.name,
        "train_examples": "streamed" if is_streamed(run.tokenized["train"]) else len(raw["train"]),
        "validation_examples": len(raw["validation"]), "validation": raw["validation"].info.description,
        "cut_by_length": run.lengths_cut,
    }  # fmt: skip
    score_baselines(run)
    if evaluates_before_training(run):
        evaluate_before_training(run)
    resume.save_run_start(
        resume.checkpoints_folder(run.output_dir),
        run.recipe_dict,
        run.fingerprints,
        run.metrics.to_dict(),
        run.showcase_before,
        run.tokenizer,
    )


def score_baselines(run):
    if run.baselines:  # started beside the model's preparation
        run.metrics.baselines = run.baselines.result()
    else:
        run.metrics.baselines = run.task.baseline_scores(run.raw, run.tokenized, run.recipe.data, run.tokenizer)
    if run.metrics.baselines:
        banner(run.log, "Baselines")
        for baseline in run.metrics.baselines:
            run.log(f"{baseline['name']}: {describe_metrics({k: v for k, v in baseline.items() if k != 'name'})}")
    run.phases.end("baselines")


def evaluates_before_training(run):
    """eval.before_training, with 'auto' skipping it (and saying why) for a checkpoint's new, random head."""
    setting = run.recipe.eval.before_training
    if setting != "auto":
        return setting
    new = random_new_weights(run.model)
    if new:
        run.log(
            f"evaluation before training: skipped, as {', '.join(new)} {'is' if len(new) == 1 else 'are'} new and "
            "random, so the untrained model scores chance by construction (eval.before_training=True runs it)"
        )
    return not new


def evaluate_before_training(run):
    banner(run.log, "Evaluation before training")
    run.metrics.before, _ = run.evaluate("before")
    run.log(describe_metrics(run.metrics.before))
    if run.task.showcase_before:
        run.showcase_before = run.task.showcase(run.model, run.tokenizer, run.recipe, phase="before")
    run.phases.end("evaluation_before_training")
