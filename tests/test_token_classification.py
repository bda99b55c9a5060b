"""Token classification: label alignment, word-level scoring, seqeval equivalence, label checks."""

import datasets
import pytest
from seqeval import metrics as seqeval_metrics

from tfhf.errors import TfhfError
from tfhf.recipe import TokenClassificationData
from tfhf.scores.metrics import entity_scores
from tfhf.tasks import TASKS
from tfhf.tasks.token_classification import align_labels, inside_ids, word_tags

NAMES = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")


def test_continuation_subwords_get_the_inside_tag_or_minus_100():
    continuation = inside_ids(NAMES)
    assert continuation == [0, 2, 2, 4, 4]
    word_ids = [None, 0, 0, 0, 1, 2, 2, None]  # "[CLS] Ma ##ra ##ya went Ber ##lin [SEP]"
    tags = [1, 0, 3]  # B-PER O B-LOC
    assert align_labels(tags, word_ids, continuation, label_all_subwords=True) == [-100, 1, 2, 2, 0, 3, 4, -100]
    assert align_labels(tags, word_ids, continuation, label_all_subwords=False) == [
        -100,
        1,
        -100,
        -100,
        0,
        3,
        -100,
        -100,
    ]


def test_words_take_their_first_subwords_prediction_and_truncated_words_are_o():
    word_ids = [-1, 0, 0, 1, -1]  # the third word was cut off by max_length
    predictions = [4, 1, 3, 0, 4]
    assert word_tags(predictions, word_ids, 3, NAMES) == ["B-PER", "O", "O"]


def test_entity_scores_equal_seqeval_and_hand_counts():
    references = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-LOC", "I-LOC", "O"]]
    predictions = [["B-PER", "I-PER", "O", "B-PER"], ["O", "B-LOC", "O", "O"]]
    scores = entity_scores(predictions, references)
    # entities: PER ok; LOC(1) predicted as PER; LOC(2) cut short -> 1 of 3 right, 1 of 3 predicted right
    assert scores["overall_precision"] == pytest.approx(1 / 3)
    assert scores["overall_recall"] == pytest.approx(1 / 3)
    assert scores["overall_f1"] == pytest.approx(1 / 3)
    assert scores["overall_accuracy"] == pytest.approx(6 / 8)
    assert scores["overall_f1"] == seqeval_metrics.f1_score(references, predictions)
    assert scores["PER"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "number": 1}
    assert scores["LOC"]["recall"] == 0.0 and scores["LOC"]["number"] == 2


def raw(rows):
    return datasets.DatasetDict({"train": datasets.Dataset.from_list(rows)})


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [{"tokens": ["Mara", "Lind"], "ner_tags": ["B-PER"]}],
            "split 'train', row 0: 2 words in column 'tokens' but 1 tags in column 'ner_tags'",
        ),
        (
            [{"tokens": ["Mara"], "ner_tags": ["B-PER"]}, {"tokens": ["x", "y"], "ner_tags": ["O", "B-PERSON"]}],
            "column 'ner_tags', split 'train', row 1, position 1: label 'B-PERSON' is not one of the label names",
        ),
    ],
)
def test_bad_tags_name_the_split_row_and_position(rows, message):
    data = TokenClassificationData(path="unused", label_names=("O", "B-PER", "I-PER"))
    with pytest.raises(TfhfError, match=message):
        TASKS["token-classification"].resolve(data, raw(rows))


def test_tag_ids_beyond_num_labels_are_refused():
    data = TokenClassificationData(path="unused", label_names=("O", "B-PER", "I-PER"))
    with pytest.raises(TfhfError, match=r"row 0, position 1: label 3 is outside 0..2 \(num_labels=3"):
        TASKS["token-classification"].resolve(data, raw([{"tokens": ["a", "b"], "ner_tags": [0, 3]}]))


def test_label_names_come_from_the_classlabel_feature():
    features = datasets.Features(
        {
            "tokens": datasets.List(datasets.Value("string")),
            "ner_tags": datasets.List(datasets.ClassLabel(names=list(NAMES))),
        }
    )
    split = datasets.Dataset.from_dict({"tokens": [["Mara"]], "ner_tags": [[1]]}, features=features)
    resolved = TASKS["token-classification"].resolve(TokenClassificationData(path="unused"), {"train": split})
    assert resolved.label_names == NAMES
