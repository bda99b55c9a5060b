"""Extractive QA: SQuAD v1.1 scoring, windows and offsets, reading answers back, answer checks."""

import itertools

import datasets
import numpy as np
import pytest

from tfhf.data.tokenizer_training import train_tokenizer
from tfhf.errors import TfhfError
from tfhf.recipe import QuestionAnsweringData
from tfhf.scores.squad import normalize_answer, squad_scores, token_f1
from tfhf.tasks import TASKS
from tfhf.tasks.qa_windows import NOT_CONTEXT, best_answers, windows

FILLER = "The town has a quiet market square and a small library near the old bridge. "
CONTEXT = FILLER * 6 + "The mill was founded in 1887 by Mara Lind. " + FILLER * 2
QUESTION = "Who founded the mill?"
ANSWER = "Mara Lind"


def test_squad_normalization_and_f1_follow_the_official_script():
    assert normalize_answer("The  Cat, an animal!") == "cat animal"
    assert token_f1("the big dog", "a big red dog") == pytest.approx(0.8)  # 2 shared of 2 predicted, 3 expected
    assert token_f1("the", "a") == 0.0  # nothing left after normalization


def test_several_references_take_the_best_match():
    scores = squad_scores(["in 1887", "Lind", "1900"], [["1887", "in 1887"], ["Mara Lind"], ["1887"]])
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (1 + 2 / 3 + 0) / 3)


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer([CONTEXT, QUESTION] * 3, vocab_size=200, style="wordpiece")


def window_features(tokenizer, max_length=48, stride=16):
    start = CONTEXT.index(ANSWER)
    return windows(tokenizer, [QUESTION], [CONTEXT], [[start]], [[ANSWER]], max_length, stride)


def test_the_tokenizer_learns_from_each_context_once():
    split = datasets.Dataset.from_dict({"question": ["Who?", "When?", "Where?"], "context": ["A b.", "A b.", "C d."]})
    corpus = list(TASKS["question-answering"].tokenizer_corpus(split, QuestionAnsweringData(path="x")))
    assert corpus == ["Who?", "When?", "Where?", "A b.", "C d."]


def test_long_contexts_become_windows_whose_positions_map_back_to_the_answer(tokenizer):
    features = window_features(tokenizer)
    assert len(features["input_ids"]) >= 3 and set(features["example_index"]) == {0}
    found = 0
    for offsets, start, end in zip(features["offset_mapping"], features["start_positions"], features["end_positions"]):
        if (start, end) == (0, 0):
            continue
        found += 1
        assert CONTEXT[offsets[start][0] : offsets[end][1]] == ANSWER
    assert found >= 1
    assert (0, 0) in zip(features["start_positions"], features["end_positions"])  # windows without the answer
    question_offsets = features["offset_mapping"][0][: len(tokenizer(QUESTION)["input_ids"])]
    assert all(offset == NOT_CONTEXT for offset in question_offsets)


def test_the_answer_is_read_back_from_whichever_window_holds_it(tokenizer):
    features = window_features(tokenizer)
    starts, ends = [], []
    for offsets, start, end in zip(features["offset_mapping"], features["start_positions"], features["end_positions"]):
        start_logits, end_logits = np.zeros(len(offsets)), np.zeros(len(offsets))
        start_logits[0] = end_logits[0] = 50.0  # CLS scores highest in every window, and is never an answer
        if (start, end) != (0, 0):
            start_logits[start], end_logits[end] = 10.0, 10.0
        else:  # a decoy span in a window without the answer, scored lower
            context = [i for i, offset in enumerate(offsets) if offset != NOT_CONTEXT]
            start_logits[context[2]], end_logits[context[3]] = 6.0, 6.0
        starts.append(start_logits)
        ends.append(end_logits)
    answers = best_answers(starts, ends, features["example_index"], features["offset_mapping"], [CONTEXT], 5, 30)
    assert answers == [ANSWER]


def cut_by_a_window_edge(tokenizer):
    """(features, cut window, whole window) for a window size where one window's edge cuts the answer."""
    start_char = CONTEXT.index(ANSWER)
    answer_chars = {start_char + i for i, char in enumerate(ANSWER) if not char.isspace()}  # tokens skip spaces
    for max_length, stride in itertools.product(range(32, 80), (8, 12, 16)):
        features = window_features(tokenizer, max_length=max_length, stride=stride)
        cut = whole = None
        for i, offsets in enumerate(features["offset_mapping"]):
            chars = {c for offset in offsets if offset != NOT_CONTEXT for c in range(*offset)}
            if answer_chars <= chars:
                whole = i
            elif answer_chars & chars:
                cut = i
        if cut is not None and whole is not None:
            return features, cut, whole
    raise AssertionError("no window size cuts the answer")


def test_an_answer_cut_by_a_window_edge_is_found_whole_in_the_overlapping_window(tokenizer):
    features, cut, whole = cut_by_a_window_edge(tokenizer)
    assert (features["start_positions"][cut], features["end_positions"][cut]) == (0, 0)  # labelled CLS where cut
    starts, ends = [], []
    for i, offsets in enumerate(features["offset_mapping"]):
        start_logits, end_logits = np.zeros(len(offsets)), np.zeros(len(offsets))
        if i == cut:  # the cut window offers the visible part of the answer, scored a little lower
            inside = [
                j for j, offset in enumerate(offsets) if offset != NOT_CONTEXT and offset[1] > CONTEXT.index(ANSWER)
            ]
            start_logits[inside[0]], end_logits[inside[-1]] = 8.0, 8.0
        if i == whole:
            start_logits[features["start_positions"][i]], end_logits[features["end_positions"][i]] = 9.0, 9.0
        starts.append(start_logits)
        ends.append(end_logits)
    answers = best_answers(starts, ends, features["example_index"], features["offset_mapping"], [CONTEXT], 5, 30)
    assert answers == [ANSWER]


def test_spans_too_long_or_reversed_are_not_answers(tokenizer):
    features = window_features(tokenizer)
    offsets = features["offset_mapping"][0]
    context = [i for i, offset in enumerate(offsets) if offset != NOT_CONTEXT]
    start_logits, end_logits = np.zeros(len(offsets)), np.zeros(len(offsets))
    start_logits[context[5]], end_logits[context[1]] = 9.0, 9.0  # end before start
    start_logits[context[10]], end_logits[context[-1]] = 8.0, 8.0  # longer than max_answer_length
    start_logits[context[2]], end_logits[context[3]] = 1.0, 1.0
    answer = best_answers([start_logits], [end_logits], [0], [offsets], [CONTEXT], 3, 4)[0]
    assert answer == CONTEXT[offsets[context[2]][0] : offsets[context[3]][1]]


def squad_rows(answer_start):
    return datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_list(
                [
                    {
                        "question": QUESTION,
                        "context": CONTEXT,
                        "answers": {"text": [ANSWER], "answer_start": [answer_start]},
                    }
                ]
            ).flatten()
        }
    )


def test_an_answer_start_that_does_not_match_the_context_is_refused():
    data = QuestionAnsweringData(path="unused")
    TASKS["question-answering"].resolve(data, squad_rows(CONTEXT.index(ANSWER)))
    with pytest.raises(
        TfhfError,
        match=r"split 'train', row 0: answer 'Mara Lind' is not at answer_start 3 of column 'context' \(found ' town has'\)",
    ):
        TASKS["question-answering"].resolve(data, squad_rows(3))
