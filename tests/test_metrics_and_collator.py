"""BLEU equals sacrebleu's own, and the seq2seq collator pads labels with -100."""

import datasets
import numpy as np
import pytest
import sacrebleu

from tests.helpers import tiny_translation_setup
from tfhf.recipe import Seq2SeqData
from tfhf.scores.metrics import bleu

PREDICTIONS = [
    "Le fichier a été supprimé.",
    "Voulez-vous ouvrir la fenêtre ?",
    "Impossible de trouver l'image %1.",
    "Paramètres du compte",
]
REFERENCES = [
    "Le fichier a été supprimé.",
    "Voulez-vous fermer la fenêtre ?",
    "Impossible de trouver le dossier %1.",
    "Paramètres de la session",
]


def test_bleu_equals_sacrebleu_corpus_bleu():
    expected = sacrebleu.corpus_bleu(PREDICTIONS, [REFERENCES]).score
    assert bleu(PREDICTIONS, REFERENCES)["bleu"] == pytest.approx(expected, abs=1e-9)
    assert bleu(PREDICTIONS, [[r] for r in REFERENCES])["bleu"] == pytest.approx(expected, abs=1e-9)


def test_bleu_matches_the_course_examples():
    """Chapter 7 of the course prints 46.75, then 1.68 for repetitions and 0.0 for a too-short output."""
    reference = [["This plugin allows you to automatically translate web pages between several languages."]]
    good = bleu(["This plugin lets you translate web pages between several languages automatically."], reference)
    assert round(good["bleu"], 2) == 46.75
    assert bleu(["This This This This"], reference)["bleu"] == pytest.approx(1.683602693167689)
    assert bleu(["This plugin"], reference)["bleu"] == 0.0


def test_several_references_per_prediction_count_as_sacrebleu_streams():
    refs = [[r, r.upper()] for r in REFERENCES[:2]] + [[r] for r in REFERENCES[2:]]
    streams = [[r[0] for r in refs], [r[1] if len(r) > 1 else None for r in refs]]
    assert bleu(PREDICTIONS, refs)["bleu"] == pytest.approx(sacrebleu.corpus_bleu(PREDICTIONS, streams).score)


def test_collator_pads_labels_with_minus_100_and_inputs_with_pad():
    task, tokenizer, model, rows = tiny_translation_setup()
    data = Seq2SeqData(path="unused", source_column="en", target_column="fr")
    split = datasets.Dataset.from_list(rows[:4])
    features = task.preprocess(split, tokenizer, data)
    batch = task.collator(tokenizer, model, data)([features[i] for i in range(4)])
    label_lengths = [len(ids) for ids in features["labels"]]
    input_lengths = [len(ids) for ids in features["input_ids"]]
    assert batch["labels"].shape == (4, max(label_lengths))
    assert batch["input_ids"].shape == (4, max(input_lengths))
    for row, (label_length, input_length) in enumerate(zip(label_lengths, input_lengths)):
        assert (batch["labels"][row, label_length:] == -100).all()
        assert (batch["labels"][row, :label_length] >= 0).all()
        assert (batch["input_ids"][row, input_length:] == tokenizer.pad_token_id).all()
        assert batch["attention_mask"][row].sum() == input_length
    # No decoder inputs: the model shifts the labels right behind the decoder start token itself.
    assert "decoder_input_ids" not in batch
    shifted = np.where(batch["labels"][:, :-1] == -100, tokenizer.pad_token_id, batch["labels"][:, :-1])
    start = np.full((4, 1), model.config.decoder_start_token_id)
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    from_labels = model(**inputs, labels=batch["labels"], training=False).logits
    from_shifted = model(**inputs, decoder_input_ids=np.concatenate([start, shifted], axis=1), training=False).logits
    np.testing.assert_allclose(from_labels.numpy(), from_shifted.numpy(), atol=1e-6)
