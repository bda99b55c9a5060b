"""Each phase of `tfhf run` (tfhf/run/), called alone on one TrainingRun: what it reads, what it adds.

`tfhf.engine.train_and_publish` calls them in this order; here each test runs the phases
before its own as setup, then checks its own phase's part of the run object.
"""

import json

import pytest

from tfhf.publish import run_dir
from tfhf.recipe.loading import apply_overrides, load_recipe
from tfhf.run.finish import evaluate_after_training, publish
from tfhf.run.fit import fit
from tfhf.run.prepare import prepare_data, prepare_model, prepare_scoring, start_baselines
from tfhf.run.start import resume_from_checkpoint, start_fresh
from tfhf.run.state import TrainingRun
from tfhf.runtime import distribution
from tfhf.train import resume
from tfhf.train.preparation import checked_task
from tfhf.train.signals import StopRequests

PHASES = ("prepare_data", "prepare_model", "prepare_scoring", "start_fresh", "fit", "evaluate_after_training")


def new_run(recipe_file, out, *overrides):
    lines = []
    recipe = apply_overrides(load_recipe(recipe_file), [*overrides, "train.epochs=1"])
    task = checked_task(recipe, lines.append)
    run = TrainingRun(task, recipe, out, lines.append, planned=distribution.plan(recipe.runtime))
    return run, lines


def run_through(run, last):
    """Runs the phases in the engine's order, up to and including `last`."""
    threads = None
    for phase in PHASES[: PHASES.index(last) + 1]:
        if phase == "prepare_data":
            threads = prepare_data(run, restart=False)
            start_baselines(run)
        elif phase == "prepare_model":
            prepare_model(run, threads)
        elif phase == "prepare_scoring":
            run_dir.claim(run.output_dir, run.task.name)
            prepare_scoring(run)
        elif phase == "start_fresh":
            start_fresh(run)
        elif phase == "fit":
            fit(run, StopRequests(), pusher=None)
        else:
            evaluate_after_training(run)
    return run


def test_prepare_data_loads_and_tokenizes_and_finds_nothing_to_resume(tmp_path, tiny_recipe_file):
    run, _ = new_run(tiny_recipe_file, tmp_path / "out")
    run_through(run, "prepare_data")
    assert run.saved is None
    assert set(run.tokenized) == {"train", "validation"}
    assert len(run.tokenized["train"]) == len(run.raw["train"]) > 0
    assert run.recipe_dict["task"] == run.task.name and set(run.fingerprints) == {"train", "validation"}
    assert {"data", "tokenizing"} <= set(run.phases.seconds)
    assert not (tmp_path / "out").exists()  # nothing is written before the model is checked
    assert [baseline["name"] for baseline in run.baselines.result()] == ["copy_source"]  # scored on a thread


def test_prepare_model_plans_the_steps_once_and_compiles(tmp_path, tiny_recipe_file):
    run, lines = new_run(tiny_recipe_file, tmp_path / "out", "train.batch_size=16")
    run_through(run, "prepare_model")
    assert run.batch_size == 16
    assert run.steps.steps_per_epoch == len(run.tokenized["train"]) // 16 and run.steps.epochs == 1
    assert run.model.optimizer is not None and run.state is not None
    assert any("Preflight checks" in line for line in lines)
    assert callable(run.evaluate)


def test_prepare_scoring_makes_the_store_and_the_evaluations_asked_for(tmp_path, tiny_recipe_file):
    run, _ = new_run(tiny_recipe_file, tmp_path / "out", "eval.every_steps=2")
    run_through(run, "prepare_scoring")
    assert run.evaluations is not None and run.metrics.task == run.task.name
    assert run.card_name == "out"


def test_start_fresh_scores_baselines_and_the_untrained_model_and_saves_them(tmp_path, tiny_recipe_file):
    run, _ = new_run(tiny_recipe_file, tmp_path / "out")
    run_through(run, "start_fresh")
    assert [baseline["name"] for baseline in run.metrics.baselines]
    assert run.task.headline in run.metrics.before
    saved = json.loads((resume.checkpoints_folder(run.output_dir) / resume.RUN_FILE).read_text())
    assert saved["scores"]["before"] == run.metrics.to_dict()["before"]
    assert saved["recipe"] == run.recipe_dict


def test_fit_trains_the_planned_steps_and_records_them(tmp_path, tiny_recipe_file):
    run, _ = new_run(tiny_recipe_file, tmp_path / "out")
    run_through(run, "fit")
    assert run.progress.global_step == run.steps.total
    assert run.metrics.train["steps"] == run.steps.total and len(run.metrics.train["loss"]) == 1
    assert run.store.latest() is not None  # the end of an epoch is checkpointed


def test_resume_restores_the_newest_checkpoint(tmp_path, tiny_recipe_file):
    first, _ = new_run(tiny_recipe_file, tmp_path / "out")
    run_through(first, "fit")
    again, lines = new_run(tiny_recipe_file, tmp_path / "out")
    threads = prepare_data(again, restart=False)
    assert again.saved is not None
    prepare_model(again, threads)
    prepare_scoring(again)
    resume_from_checkpoint(again)
    assert again.progress.global_step == first.progress.global_step
    assert again.metrics.before == first.metrics.before
    assert any(line.startswith(f"step {first.progress.global_step} of ") for line in lines)
    for restored, trained in zip(again.model.get_weights(), first.model.get_weights()):
        assert (restored == trained).all()


@pytest.mark.slow  # a whole run through publishing: 15 s or more here
def test_evaluate_after_training_then_publish_writes_the_output_directory(tmp_path, tiny_recipe_file):
    run, lines = new_run(tiny_recipe_file, tmp_path / "out")
    run_through(run, "evaluate_after_training")
    assert run.task.headline in run.metrics.after
    assert any(line.startswith(f"{run.task.headline}: ") for line in lines)  # before -> after
    publish(run, pusher=None)
    written = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert written["after"] == run.metrics.to_dict()["after"]
    assert (tmp_path / "out" / "README.md").is_file() and not (tmp_path / "out" / "checkpoints").exists()
