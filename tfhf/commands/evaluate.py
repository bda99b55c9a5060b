"""`tfhf eval`: score a saved model (a run's output directory, a checkpoint folder or a Hub id) on one split.

The recipe is the run's own recipe.json, or a recipe file, with `--set` overrides on top;
the model and its tokenizer come from MODEL, and the split named by `--split` (a test
split too) is scored with the task's own evaluator, the one training uses, so the numbers
are comparable with the run's. Nothing trains. The output directory gets metrics.json
(`{"task", "model", "split", "eval": {...}}`), predictions.jsonl and the recipe used,
published all at once like a run's (tfhf.publish.run_dir).
"""

import dataclasses
import json
from pathlib import Path

from tfhf.errors import TfhfError
from tfhf.log_format import banner, describe_metrics
from tfhf.publish import run_dir
from tfhf.publish.run_dir import write_json, write_jsonl
from tfhf.recipe import PART_CLASSES, Recipe
from tfhf.recipe.loading import validated
from tfhf.runtime import distribution
from tfhf.runtime import start as runtime
from tfhf.tasks import TASKS
from tfhf.train.preparation import build, checked_task, load_data, tokenize

EVAL_MARKER_TASK = "eval"


def recipe_from_run(model_path):
    """The Recipe a run directory was trained with (its recipe.json), checked like a recipe file."""
    recipe_file = Path(model_path) / "recipe.json"
    try:
        values = json.loads(recipe_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TfhfError(f"{model_path} has no readable recipe.json ({error}); give a recipe file too") from None
    task = TASKS.get(values.get("task")) if isinstance(values, dict) else None
    if task is None:
        raise TfhfError(f"{recipe_file} names no known task; give a recipe file too")
    classes = {**PART_CLASSES, "data": task.data_class}
    try:
        parts = {name: cls(**values.get(name, {})) for name, cls in classes.items()}
    except TypeError as error:
        raise TfhfError(f"{recipe_file} does not match this tfhf's recipe ({error})") from None
    return validated(Recipe(task=values["task"], **parts), f"{recipe_file}: ")


def for_scoring(recipe, model_path, split):
    """`recipe` pointed at `model_path` (model and tokenizer) and at `split`, without LoRA.

    The recipe's own validation split stays as the run had it, cut from the training split
    with the same seed where the data has none; any other split is read as it is.
    """
    model = dataclasses.replace(recipe.model, checkpoint=str(model_path), tokenizer=None, config={})
    # Nothing trains: a LoRA run's saved model has its adapters merged in already, and gets none again
    train = dataclasses.replace(recipe.train, lora_rank=0, lora_targets=())
    data = recipe.data
    if split != data.validation_split:
        data = dataclasses.replace(data, train_split=split, validation_split=split)
    return dataclasses.replace(recipe, model=model, data=data, train=train)


def split_for_scoring(recipe, task, log):
    """(recipe, tokenizer, raw splits, tokenized splits) of a recipe made by `for_scoring`, seeds and threads set."""
    runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = load_data(recipe, task, log)
    recipe, tokenizer, tokenized, _ = tokenize(recipe, task, raw, log)
    return recipe, tokenizer, raw, tokenized


def score(recipe, model_path, split, output_dir, log=print):
    """Scores `model_path` on `split` as `recipe` says; writes `output_dir`; returns the metrics dict."""
    recipe = for_scoring(recipe, model_path, split)
    task = checked_task(recipe, log)
    output_dir = Path(output_dir)
    run_dir.check_output_dir(output_dir, EVAL_MARKER_TASK)
    with run_dir.output_lock(output_dir, log):
        run_dir.recover(output_dir, log)
        run_dir.check_output_dir(output_dir, EVAL_MARKER_TASK)
        recipe, tokenizer, raw, tokenized = split_for_scoring(recipe, task, log)
        strategy, _, _ = runtime.start_strategy(recipe.runtime, distribution.plan(recipe.runtime))
        with strategy.scope():
            model = build(recipe, task, tokenizer, log, new_tokenizer=False)
        banner(log, f"Evaluation on split {split!r}")
        evaluate = task.evaluator(model, tokenizer, recipe, raw["validation"], tokenized["validation"])
        scores, predictions = evaluate(split)
        log(describe_metrics(scores))
        predictions += task.showcase(model, tokenizer, recipe)
        metrics = {"task": task.name, "model": str(model_path), "split": split, "eval": scores}
        with run_dir.staged_directory(output_dir, EVAL_MARKER_TASK) as staging:
            write_json(staging / "metrics.json", metrics)
            write_jsonl(staging / "predictions.jsonl", predictions)
            write_json(staging / "recipe.json", recipe.to_dict())
    log(f"\nwrote {output_dir}: metrics.json, predictions.jsonl, recipe.json")
    return metrics
