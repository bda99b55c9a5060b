"""Text classification: label names and checks, accuracy/F1 as GLUE computes them."""

import datasets
import pytest

from tfhf.errors import TfhfError
from tfhf.recipe import ClassificationData
from tfhf.scores.metrics import classification_scores
from tfhf.tasks import TASKS
from tfhf.tasks.labels import head_config, label_names


def splits(train_labels, validation_labels=("joy",)):
    return datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"text": ["t"] * len(train_labels), "label": list(train_labels)}),
            "validation": datasets.Dataset.from_dict(
                {"text": ["t"] * len(validation_labels), "label": list(validation_labels)}
            ),
        }
    )


def test_label_names_from_classlabel_strings_integers_or_the_recipe():
    features = datasets.Features({"label": datasets.ClassLabel(names=["neg", "pos"])})
    assert label_names(datasets.Dataset.from_dict({"label": [1, 0]}, features=features), "label") == ("neg", "pos")
    assert label_names(datasets.Dataset.from_dict({"label": ["sad", "joy", "sad"]}), "label") == ("joy", "sad")
    assert label_names(datasets.Dataset.from_dict({"label": [0, 2]}), "label") == ("LABEL_0", "LABEL_1", "LABEL_2")
    assert label_names(datasets.Dataset.from_dict({"label": [0, 1]}), "label", ("no", "yes")) == ("no", "yes")
    assert head_config(("no", "yes")) == {
        "num_labels": 2,
        "id2label": {0: "no", 1: "yes"},
        "label2id": {"no": 0, "yes": 1},
    }


def test_resolved_data_carries_the_label_names():
    resolved = TASKS["text-classification"].resolve(ClassificationData(path="unused"), splits(["sad", "joy"]))
    assert resolved.label_names == ("joy", "sad")


@pytest.mark.parametrize(
    "data, raw, message",
    [
        (
            ClassificationData(path="unused"),
            splits(["sad", "joy"], ["joy", "anger"]),
            "column 'label', split 'validation', row 1: label 'anger' is not one of the label names (joy, sad)",
        ),
        (
            ClassificationData(path="unused", label_names=("no", "yes")),
            splits([0, 1, 2]),
            "column 'label', split 'train', row 2: label 2 is outside 0..1 (num_labels=2: no, yes)",
        ),
        (
            ClassificationData(path="unused", label_names=("no", "yes")),
            splits([0, -1]),
            "column 'label', split 'train', row 1: label -1 is outside 0..1",
        ),
    ],
)
def test_labels_outside_the_names_are_refused_with_column_row_and_value(data, raw, message):
    with pytest.raises(TfhfError) as error:
        TASKS["text-classification"].resolve(data, raw)
    assert message in str(error.value)


def test_binary_scores_are_those_of_class_1_and_many_classes_are_macro_averaged():
    binary = classification_scores([1, 1, 0, 0], [1, 0, 0, 1], 2)
    assert binary == {"accuracy": 0.5, "f1": 0.5, "precision": 0.5, "recall": 0.5}
    # class 0: P 1/2 R 1/2; class 1: P 1/2 R 1/1; class 2: never predicted, its one example missed
    many = classification_scores([0, 1, 1, 0], [0, 1, 0, 2], 3)
    assert many["accuracy"] == 0.5
    assert many["precision"] == pytest.approx((0.5 + 0.5 + 0) / 3)
    assert many["recall"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert many["f1"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
