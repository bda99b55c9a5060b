"""`tfhf predict`: a trained model (a run's output directory, a local checkpoint or a Hub id)
answers texts through the transformers pipeline of its task, with the TensorFlow framework.

The task comes from the run's recipe.json when there is one, else from the config's
architecture (`...ForTokenClassification` -> token-classification); `task=` overrides it.
Models load through tfhf.model.loading, so PyTorch-format safetensors checkpoints work
without torch. What each task prints (labels with scores, grouped entities, an answer,
mask fills, generated texts) is the task's own `predict` (tfhf.tasks).
"""

import json
from pathlib import Path

from tfhf.errors import TfhfError


def saved_recipe(model_path):
    """The recipe.json of a tfhf run directory, as a dict, or None."""
    recipe_file = Path(model_path) / "recipe.json"
    if not recipe_file.is_file():
        return None
    try:
        recipe = json.loads(recipe_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise TfhfError(f"{recipe_file} is not valid JSON: {error}") from None
    if not isinstance(recipe, dict) or not isinstance(recipe.get("task", ""), str):
        raise TfhfError(
            f"{recipe_file} is not a tfhf recipe (a JSON {type(recipe).__name__}, not an object with a task)"
        )
    return recipe


def architecture_task(config):
    """The pipeline task the config's architecture implies, or None."""
    from tfhf.tasks import pipeline_tasks

    for architecture in config.architectures or ():
        for task in pipeline_tasks().values():
            if architecture.endswith(task.usage.architecture_suffixes):
                return task
    return None


def pipeline_task(name):
    from tfhf.tasks import pipeline_tasks

    tasks = pipeline_tasks()
    if name not in tasks:
        raise TfhfError(f"unknown task {name!r} (tasks: {', '.join(tasks)})")
    return tasks[name]


def infer_task(model_path, trust_remote_code=False):
    """The pipeline task of a run directory, checkpoint folder or Hub id.

    A recipe.json whose task needs another kind of model than the one saved (a
    classifier's folder saying fill-mask) is refused: its pipeline would print garbage.
    """
    from tfhf.model.loading import load_config

    recipe = saved_recipe(model_path)
    config = load_config(str(model_path), trust_remote_code)
    implied = architecture_task(config)
    if recipe and "task" in recipe:
        task = pipeline_task(recipe["task"])
        if implied and implied.model_class is not task.model_class:
            raise TfhfError(
                f"{Path(model_path) / 'recipe.json'} says task {task.name!r}, but the model is a "
                f"{', '.join(config.architectures)} ({implied.name}); fix recipe.json or give --task {implied.name}"
            )
        return task
    if implied:
        return implied
    raise TfhfError(
        f"cannot tell the task of {model_path}: no recipe.json, and its config names no known architecture "
        f"({', '.join(config.architectures or ['none'])}); give --task"
    )


class Predictor:
    """A loaded model and its pipeline: `Predictor(path)(texts, context=..., **options)` -> list of dicts."""

    def __init__(self, model_path, task=None, trust_remote_code=False):
        from tfhf.model.loading import load_pretrained_model, load_tokenizer

        model_path = str(model_path)
        if Path(model_path).is_dir() and not (Path(model_path) / "config.json").is_file():
            raise TfhfError(f"{model_path} is not a model folder: it has no config.json")
        self.task = pipeline_task(task) if task else infer_task(model_path, trust_remote_code)
        self.tokenizer = load_tokenizer(model_path, trust_remote_code)
        self.model = load_pretrained_model(self.task.model_class, model_path, trust_remote_code)
        self.pipeline = self.task.usage.pipeline(self.model, self.tokenizer)
        self.defaults = self.task.usage.pipeline_defaults(saved_recipe(model_path) or {})

    def __call__(self, texts, context=None, seed=None, xla=False, **options):
        options = {key: value for key, value in options.items() if value is not None}
        if xla and not self.task.generates:
            raise TfhfError(f"--xla compiles generation; {self.task.name} does not generate")
        for index, text in enumerate(texts):
            if not text.strip():
                raise TfhfError(f"input {index + 1} is empty: give some text")
        if not (self.task.usage.windows_long_inputs or self.defaults.get("truncation")):
            self.check_lengths(texts)
        return self.task.usage.predict(self, texts, options, context=context, seed=seed, xla=xla)

    def check_lengths(self, texts):
        """Refuses a text with more tokens than the model has positions: it would fail, or ask XLA for huge buffers.

        Not called where the pipeline truncates (a classifier, to the data.max_length it was trained with).
        """
        from tfhf.model.positions import model_positions

        limit = model_positions(self.model.config)
        if limit is None:
            return
        # One call for all texts: a fast tokenizer encodes a list in parallel, in Rust.
        for index, ids in enumerate(self.tokenizer(list(texts))["input_ids"]):
            length = len(ids)
            if length > limit:
                raise TfhfError(
                    f"input {index + 1} is {length} tokens long; this model reads at most {limit}: shorten it"
                )
