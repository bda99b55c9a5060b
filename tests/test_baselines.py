"""The baselines scored beside every model, and the line that says whether the model beats them."""

import datasets
import pytest

from tfhf.recipe import ClassificationData, Seq2SeqData, TokenClassificationData
from tfhf.scores.baselines import (
    best_overlap_sentence,
    copy_source,
    first_sentence_answer,
    majority_class,
    tag_per_word,
    tfidf_logistic_regression,
    unigram_perplexity,
    verdict,
)
from tfhf.scores.degenerate_outputs import degenerate_output_warnings
from tfhf.scores.metrics import bleu
from tfhf.tasks import TASKS


def test_majority_class_and_tfidf_learn_from_the_training_split_only():
    assert majority_class([2, 1, 2, 0], 3) == [2, 2, 2]
    train = ["great phone", "great battery", "awful screen", "awful speaker"] * 5
    labels = [1, 1, 0, 0] * 5
    assert tfidf_logistic_regression(train, labels, ["great screen battery", "awful awful"]) == [1, 0]
    assert tfidf_logistic_regression(train, [1] * 20, ["anything"]) is None  # one class: nothing to fit


def test_tag_per_word_takes_each_words_most_frequent_tag_and_o_for_unseen_words():
    words = [["Mara", "met", "Ivo"], ["Ivo", "left"], ["Ivo", "Bank"]]
    tags = [["B-PER", "O", "B-PER"], ["B-PER", "O"], ["B-ORG", "I-ORG"]]
    assert tag_per_word(words, tags, [["Ivo", "met", "Zed"]]) == [["B-PER", "O", "O"]]


def test_the_verdict_names_the_best_baseline_and_knows_which_way_is_better():
    baselines = [{"name": "first_sentence", "rouge1": 31.9}, {"name": "lead_3", "rouge1": 20.9}]
    line = verdict({"rouge1": 3.9}, baselines, "rouge1", lower_is_better=False)
    assert line.startswith("warning: the model does not beat the first_sentence baseline: rouge1 3.9 against 31.9")
    assert line.endswith("or start from a pretrained checkpoint (model.checkpoint)")
    pretrained = verdict({"rouge1": 3.9}, baselines, "rouge1", lower_is_better=False, from_checkpoint=True)
    assert "pretrained checkpoint" not in pretrained and pretrained.endswith("or try another train.learning_rate")
    assert verdict({"rouge1": 40.0}, baselines, "rouge1", False).startswith("the model beats the best baseline")
    assert "beats" in verdict({"perplexity": 9.0}, [{"name": "unigram", "perplexity": 80.0}], "perplexity", True)
    assert verdict({"bleu": 1.0}, [], "bleu", False) is None


def splits(rows):
    dataset = datasets.Dataset.from_list(rows)
    return {"train": dataset, "validation": dataset}


def test_each_task_scores_its_baselines_with_its_own_metric():
    pairs = splits([{"en": "Open %1", "fr": "Ouvrir %1"}, {"en": "Save", "fr": "Enregistrer"}])
    data = Seq2SeqData(path="x", source_column="en", target_column="fr")
    [copy] = TASKS["translation"].baseline_scores(pairs, None, data, None)
    assert copy == {"name": copy_source.__name__, **bleu(["Open %1", "Save"], ["Ouvrir %1", "Enregistrer"])}

    rows = [
        {"text": "so happy", "label": "joy"},
        {"text": "so sad", "label": "sadness"},
        {"text": "happy", "label": "joy"},
    ]
    data = ClassificationData(path="x", label_names=("joy", "sadness"))
    majority, tfidf = TASKS["text-classification"].baseline_scores(splits(rows), None, data, None)
    assert (majority["name"], majority["accuracy"]) == ("majority_class", pytest.approx(2 / 3))
    assert tfidf["name"] == "tfidf_logistic_regression" and "f1" in tfidf

    tagged = splits([{"tokens": ["Mara", "left"], "ner_tags": ["B-PER", "O"]}])
    data = TokenClassificationData(path="x", label_names=("O", "B-PER", "I-PER"))
    [per_word] = TASKS["token-classification"].baseline_scores(tagged, None, data, None)
    assert per_word["name"] == "tag_per_word" and per_word["overall_f1"] == 1.0


def test_a_unigram_model_knows_only_how_often_each_token_is():
    # token 1 is three times as frequent as token 2 in training; 3 never seen; 0 is special
    train = [[0, 1, 1, 1, 2]]
    assert unigram_perplexity(train, [[1, 1]], vocab_size=4, ignored=[0]) == pytest.approx((4 + 4) / 4)
    assert unigram_perplexity(train, [[3]], vocab_size=4, ignored=[0]) == pytest.approx(8)  # add-one: 1 / 8
    assert unigram_perplexity(train, [[0]], vocab_size=4, ignored=[0]) is None  # nothing left to score


def test_the_qa_baselines_answer_with_a_sentence_of_the_context():
    context = "Carrow is a town. The bakery was founded by Ada Winter in 1902. It sells bread."
    assert first_sentence_answer("Who founded the bakery?", context) == "Carrow is a town."
    assert best_overlap_sentence("Who founded the bakery?", context) == "The bakery was founded by Ada Winter in 1902."


def test_one_output_for_many_inputs_and_repeating_text_are_reported():
    titles = ["Great product"] * 6 + [f"title {i}" for i in range(14)]
    [same] = degenerate_output_warnings(titles, generated=True)
    assert same == "warning: 6 of 20 validation outputs (30%) are the same: 'Great product'"
    stutter = [f"the light the light the light {i}" for i in range(12)]
    assert degenerate_output_warnings(stutter, generated=True) == [
        "warning: 12 of 12 generated outputs (100%) repeat a sequence of 3 words"
    ]
    assert degenerate_output_warnings(stutter, generated=False) == []  # labels are not text
    assert degenerate_output_warnings(["joy"] * 3, generated=False) == []  # too few to judge
    labels = ["joy"] * 8 + ["anger", "sadness"] * 6
    assert degenerate_output_warnings(labels, generated=False) == []  # a frequent class is no sign
    [one_class] = degenerate_output_warnings(["joy"] * 19 + ["anger"], generated=False)
    assert one_class.startswith("warning: 19 of 20 validation outputs (95%) are the same: 'joy'")
