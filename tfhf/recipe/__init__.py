"""Recipes: a run's complete description, as small typed parts (see tfhf.recipe.parts).

A recipe file imports every part from here:

    from tfhf.recipe import Recipe, Model, Seq2SeqData, Train

The general parts live in `parts.py`, each task's data part in `tfhf/tasks/data_parts.py`
beside the tasks that read it, a field's declaration in `fields.py`, and recipe files and
`--set` overrides are read by `loading.py`.
"""

from tfhf.recipe.parts import (
    PART_CLASSES,
    SAMPLES_DIR,
    Data,
    Eval,
    Generate,
    Hub,
    Model,
    Output,
    Recipe,
    Runtime,
    Train,
    part_names,
)

DATA_PARTS = (
    "ClassificationData",
    "LabelledData",
    "MaskedLMData",
    "QuestionAnsweringData",
    "Seq2SeqData",
    "TextData",
    "TokenClassificationData",
)


def __getattr__(name):
    """The tasks' data parts, looked up when first asked for: tfhf.tasks.data_parts imports this package's
    fields, so importing it here, at the top, would be circular."""
    if name in DATA_PARTS:
        from tfhf.tasks import data_parts

        return getattr(data_parts, name)
    raise AttributeError(f"module 'tfhf.recipe' has no attribute {name!r}")


__all__ = [
    "PART_CLASSES",
    "SAMPLES_DIR",
    "ClassificationData",
    "Data",
    "Eval",
    "Generate",
    "Hub",
    "LabelledData",
    "MaskedLMData",
    "Model",
    "Output",
    "QuestionAnsweringData",
    "Recipe",
    "Runtime",
    "Seq2SeqData",
    "TextData",
    "TokenClassificationData",
    "Train",
    "part_names",
]
