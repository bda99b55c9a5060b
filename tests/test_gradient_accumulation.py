"""train.gradient_accumulation_steps and train.label_smoothing: tfhf.train.train_step against transformers' own step.

With plain SGD (whose update, unlike Adam's, scales with the gradient) and dropout off,
N micro-batches must move the weights exactly as one batch of N times their size does
under transformers' `train_step`, including token-level losses whose micro-batches score
different numbers of tokens.
"""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras
from transformers import (
    DistilBertConfig,
    GPT2Config,
    MarianConfig,
    TFAutoModelForSequenceClassification,
    TFGPT2LMHeadModel,
    TFMarianMTModel,
)

from tests.helpers import TINY_DISTILBERT, TINY_GPT2, TINY_MARIAN
from tfhf.recipe import Train
from tfhf.train import train_step

VOCAB = 60
BATCH = 32


def classifier():
    config = DistilBertConfig(
        **{k: v for k, v in TINY_DISTILBERT.items() if k != "model_type"},
        vocab_size=VOCAB, num_labels=3, dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0,
    )  # fmt: skip
    return TFAutoModelForSequenceClassification.from_config(config)


def translator():
    config = {k: v for k, v in TINY_MARIAN.items() if k != "model_type"}
    config.update(vocab_size=VOCAB, decoder_vocab_size=VOCAB, pad_token_id=0, decoder_start_token_id=0, eos_token_id=1)
    config.update(dropout=0.0, attention_dropout=0.0, activation_dropout=0.0)
    return TFMarianMTModel(MarianConfig(**config))


def language_model():
    config = {k: v for k, v in TINY_GPT2.items() if k != "model_type"}
    return TFGPT2LMHeadModel(GPT2Config(**config, vocab_size=VOCAB, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))


def ragged_labels(rng, length):
    """Token labels padded with -100 by a different amount per row, so micro-batches score unequal counts."""
    labels = rng.integers(2, VOCAB, (BATCH, length))
    kept = np.sort(rng.integers(1, length + 1, BATCH))  # sorted: the first micro-batches score the fewest tokens
    labels[np.arange(length)[None, :] >= kept[:, None]] = -100
    return labels


def batch_for(kind, rng):
    ids = rng.integers(2, VOCAB, (BATCH, 10))
    if kind == "sequence":
        return {"input_ids": ids, "attention_mask": np.ones_like(ids)}, rng.integers(0, 3, BATCH)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids)}, ragged_labels(rng, 10)


CASES = {"sequence": classifier, "tokens": translator, "next_tokens": language_model}


def trained_weights(build, kind, data, train=None, steps=3):
    """Weights after `steps` SGD steps on `data`: with transformers' own step, or with tfhf's for `train`."""
    tf.keras.utils.set_random_seed(0)
    model = build()
    model({**data[0], "labels": data[1]})  # built, with the seed's initial weights
    if not steps:
        return [w.numpy() for w in model.trainable_weights], None
    model.compile(optimizer=tf_keras.optimizers.SGD(learning_rate=0.5))
    callbacks = []
    if train is not None:
        callback = train_step.install(model, train, kind)
        callbacks = [callback] if callback else []
    history = model.fit(tf.data.Dataset.from_tensors(data).repeat(steps), epochs=1, verbose=0, callbacks=callbacks)
    assert model.optimizer.iterations.numpy() == steps  # optimizer steps, not micro-batches
    return [w.numpy() for w in model.trainable_weights], history.history["loss"][0]


@pytest.mark.parametrize("kind", list(CASES))
def test_four_micro_batches_of_eight_move_the_weights_as_one_batch_of_thirty_two(kind):
    data = batch_for(kind, np.random.default_rng(1))
    whole, whole_loss = trained_weights(CASES[kind], kind, data)
    accumulated, accumulated_loss = trained_weights(CASES[kind], kind, data, Train(gradient_accumulation_steps=4))
    moved = max(np.abs(w - w0).max() for w, w0 in zip(whole, trained_weights(CASES[kind], kind, data, steps=0)[0]))
    assert moved > 1e-3  # the steps changed the weights, so a match is not two untouched models
    for w, a in zip(whole, accumulated):
        np.testing.assert_allclose(a, w, atol=2e-5, rtol=1e-4)
    if kind == "sequence":  # equal micro-batches: the mean of their means is the batch's mean loss
        assert accumulated_loss == pytest.approx(whole_loss, rel=1e-5)


def test_equal_weights_per_micro_batch_would_have_failed_that_test():
    # The ragged labels really do give the micro-batches different token counts, and so different weights.
    labels = ragged_labels(np.random.default_rng(1), 10)
    counts = [(part != -100).sum() for part in np.split(labels, 4)]
    assert len(set(counts)) == 4 and counts[0] < counts[-1]


def test_label_smoothing_is_the_trainers_formula_over_the_labels_that_are_not_ignored():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(3, 5, 7)).astype(np.float32)
    labels = rng.integers(0, 7, (3, 5))
    labels[0, 3:] = -100
    summed = float(train_step.summed_cross_entropy(tf.constant(logits), tf.constant(labels), 0.1))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    scored = labels != -100
    nll = -np.take_along_axis(log_probs, np.where(scored, labels, 0)[..., None], -1)[..., 0]
    expected = ((0.9 * nll - 0.1 * log_probs.mean(-1)) * scored).sum()
    assert summed == pytest.approx(expected, rel=1e-5)
    # ... which is Keras's smoothed categorical cross-entropy, target (1 - e) * one-hot + e / classes
    keras = tf_keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction="none")
    one_hot = tf.one_hot(np.where(scored, labels, 0), 7)
    assert summed == pytest.approx(float(tf.reduce_sum(keras(one_hot, logits) * scored)), rel=1e-5)
    assert float(train_step.summed_cross_entropy(tf.constant(logits), tf.constant(labels), 0.0)) == pytest.approx(
        nll[scored].sum(), rel=1e-5
    )


def test_label_smoothing_changes_training_and_no_setting_keeps_transformers_step():
    data = batch_for("sequence", np.random.default_rng(3))
    plain, _ = trained_weights(classifier, "sequence", data, Train())
    own_step_plain, _ = trained_weights(classifier, "sequence", data, Train(label_smoothing=0.0))
    smoothed, _ = trained_weights(classifier, "sequence", data, Train(label_smoothing=0.2))
    assert train_step.install(classifier(), Train(), "sequence") is None
    assert all(np.array_equal(a, b) for a, b in zip(plain, own_step_plain))
    assert max(np.abs(a - b).max() for a, b in zip(plain, smoothed)) > 1e-4


def test_smoothing_question_answering_and_an_uneven_global_batch_are_refused_naming_the_setting():
    from tfhf.errors import TfhfError
    from tfhf.recipe import Model, QuestionAnsweringData, Recipe
    from tfhf.runtime.distribution import Plan
    from tfhf.train.preparation import checked_task

    qa = Recipe(
        task="question-answering", model=Model(), data=QuestionAnsweringData(), train=Train(label_smoothing=0.1)
    )
    with pytest.raises(TfhfError, match="train.label_smoothing is not supported for question-answering: set it to 0"):
        checked_task(qa, log=lambda line: None)
    assert Plan("mirrored", 2).global_batch(Train(batch_size=8, gradient_accumulation_steps=4)) == 64
    assert Plan("mirrored", 2).global_batch(Train(global_batch_size=64, gradient_accumulation_steps=4)) == 64
    with pytest.raises(TfhfError, match=r"between 2 replicas \(mirrored\) x 4 micro-batches .*; use a multiple of 8"):
        Plan("mirrored", 2).global_batch(Train(global_batch_size=36, gradient_accumulation_steps=4))
