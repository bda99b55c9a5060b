"""The last phase of a run: the evaluation after training, then the output directory and the Hub.

The output directory is published all at once (tfhf.publish.run_dir.staged_directory): a run
that fails while saving leaves the previous one as it was.
"""

import shutil

from tfhf.log_format import banner, describe_metrics
from tfhf.publish import run_dir
from tfhf.publish.model_card import write_model_card
from tfhf.publish.model_files import save_model_files
from tfhf.publish.run_dir import write_json, write_jsonl
from tfhf.publish.tensorboard import write_scores
from tfhf.run.fit import TENSORBOARD_LOGS, tensorboard_folder
from tfhf.scores.baselines import verdict
from tfhf.scores.degenerate_outputs import degenerate_output_warnings
from tfhf.train.evaluations import LOWER_IS_BETTER


def evaluate_after_training(run):
    """The best weights back (eval.best_metric), the final scores against the baselines, and the showcase."""
    task, metrics = run.task, run.metrics
    if run.evaluations:
        run.evaluations.restore_best(run.model)
        metrics.evaluations = run.evaluations.scores
        metrics.best_step = run.evaluations.best["step"] if run.evaluations.best else None
    banner(run.log, "Evaluation after training")
    metrics.after, predictions = run.evaluate("after")
    run.log(describe_metrics(metrics.after))
    outputs = [row["prediction"] for row in predictions if isinstance(row.get("prediction"), str)]
    for warning in degenerate_output_warnings(outputs, generated=task.generates):
        run.log(warning)
    if metrics.before:
        before, after = metrics.before[task.headline], metrics.after[task.headline]
        run.log(f"{task.headline}: {before:.4g} -> {after:.4g} ({after - before:+.4g})")
    against_baselines = verdict(metrics.after, metrics.baselines, task.headline, task.headline in LOWER_IS_BETTER,
                                from_checkpoint=bool(run.recipe.model.checkpoint))  # fmt: skip
    if against_baselines:
        run.log(against_baselines)
    predictions += task.showcase(run.model, run.tokenizer, run.recipe, phase="after", before=run.showcase_before)
    run.predictions = predictions
    scored = [(0, metrics.before)] if metrics.before else []
    scored += [(scores["step"], scores) for scores in metrics.evaluations]
    write_scores(tensorboard_folder(run), [*scored, (run.progress.global_step, metrics.after)])


def publish(run, pusher):
    """Writes the output directory in one move, then sends it to the Hub when hub.repo_id is set."""
    output_dir, log = run.output_dir, run.log
    banner(log, f"Saving to {output_dir}")
    with run_dir.staged_directory(output_dir, run.task.name) as staging:
        save_model_files(run.model, run.tokenizer, run.task, run.recipe, staging)
        write_json(staging / "recipe.json", run.recipe.to_dict())
        write_json(staging / "metrics.json", run.metrics.to_dict())
        write_jsonl(staging / "predictions.jsonl", run.predictions)
        write_model_card(staging, run.recipe.to_dict(), run.metrics.to_dict(), run.task, run.card_name)
        if tensorboard_folder(run).is_dir():
            shutil.copytree(tensorboard_folder(run), staging / TENSORBOARD_LOGS)
    if pusher:
        banner(log, f"Pushing to the Hub: {run.recipe.hub.repo_id}")
        pushed = pusher.push_and_wait(output_dir, "End of training")
        pusher.close()
        if pushed:
            log("final push done")
        else:
            log(f"final push failed ({pusher.failed[-1][1]}); the run is complete on disk: "
                f"send it with `tfhf push {output_dir}`")  # fmt: skip
    written = sorted(path.name for path in output_dir.iterdir() if not path.name.startswith("."))
    log(f"\nwrote {output_dir}: {', '.join(written)}")
    log(f'next: tfhf predict {output_dir} "your text"   (or load it with transformers, README.md shows how)')
