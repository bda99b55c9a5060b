"""Label names and label ids for classification tasks, checked before anything trains.

A label column holds class ids (a Hub ClassLabel feature, or plain integers) or label
names (strings, as in a JSON file). The names, in id order, come from the recipe, else
from the ClassLabel feature, else from the distinct strings of the training split,
sorted. Every value is checked up front: an id outside 0..num_labels-1 or an unknown
name stops the run with the column, the value and the row named. (On a GPU, TensorFlow's
sparse cross-entropy returns NaN for such a label instead of failing.)
"""

from dataclasses import replace

from tfhf.errors import TfhfError


def label_names(split, column, given=()):
    """The label names of `column` in `split`, in id order."""
    import datasets  # here, not at the top: `tfhf predict` loads the task modules and never reads a dataset

    if given:
        return tuple(given)
    feature = split.features[column]
    if isinstance(feature, list):  # token classification: one label per word
        feature = feature[0]
    elif isinstance(feature, datasets.List | datasets.Sequence):
        feature = feature.feature
    if isinstance(feature, datasets.ClassLabel):
        return tuple(feature.names)
    if type(feature).__name__ == "Json":  # datasets' type for a column whose rows hold values of several types
        raise TfhfError(
            f'column {column!r} mixes label types (numbers and strings, such as 1 and "1"), which datasets reads '
            "as one value: write every label as a class id or every label as a name"
        )
    values = _flat(split[column])
    if all(isinstance(value, str) for value in values):
        return tuple(sorted(set(values)))
    if all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        highest = max(values, default=-1)
        if highest < 1:
            raise TfhfError(f"column {column!r} has no label above 0: give data.label_names")
        return tuple(f"LABEL_{i}" for i in range(highest + 1))
    kinds = sorted({type(value).__name__ for value in values})
    raise TfhfError(f"column {column!r} holds {', '.join(kinds)} values; labels must be class ids or names")


def with_label_names(data, raw, column, per_word=False):
    """`data` with its label names resolved from `column` of the raw splits, every value checked.

    `per_word`: each row holds a list of labels (token classification); otherwise one label.
    """
    import datasets

    if not per_word:
        for split_name, split in raw.items():
            feature = split.features[column]
            if isinstance(feature, list | datasets.List | datasets.Sequence):
                raise TfhfError(
                    f"column {column!r} (data.label_column), split {split_name!r}, holds lists of labels; "
                    "text classification takes one label per example"
                )
    names = label_names(raw["train"], column, data.label_names)
    check_labels(raw, column, names, data.path)
    return replace(data, label_names=names)


def check_labels(raw, column, names, source=None):
    """Every value of `column` in every split (of data.path `source`, named in the error) is an id below
    len(names) or one of the names."""
    for split_name, split in raw.items():
        for row, value in enumerate(split[column]):
            where = f"column {column!r}, split {split_name!r}, row {row}"
            try:
                if isinstance(value, list):
                    for position, item in enumerate(value):
                        _check(item, names, f"{where}, position {position}")
                else:
                    _check(value, names, where)
            except TfhfError as error:
                raise TfhfError(f"{error} (data.path {source})" if source else str(error)) from None


def to_id(value, names):
    """The id of a label value that check_labels accepted."""
    return names.index(value) if isinstance(value, str) else value


def _check(value, names, where):
    if isinstance(value, str):
        if value not in names:
            raise TfhfError(f"{where}: label {value!r} is not one of the label names ({', '.join(names)})")
    elif not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names)):
        raise TfhfError(
            f"{where}: label {value!r} is outside 0..{len(names) - 1} (num_labels={len(names)}: {', '.join(names)})"
        )


def head_config(names):
    """Config settings for a classification head over `names`."""
    return {
        "num_labels": len(names),
        "id2label": dict(enumerate(names)),
        "label2id": {name: i for i, name in enumerate(names)},
    }


def _flat(values):
    return [item for value in values for item in value] if values and isinstance(values[0], list) else list(values)
