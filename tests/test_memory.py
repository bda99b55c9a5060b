"""Memory: gradient checkpointing, the chunked causal-LM loss and the masked LM's loss on its masked positions
give the step's loss and gradients unchanged."""

import json
import sysconfig

import numpy as np
import pytest
import tensorflow as tf
import tf_keras
from transformers import (
    AutoConfig,
    TFAutoModelForCausalLM,
    TFAutoModelForMaskedLM,
    TFAutoModelForSeq2SeqLM,
    TFAutoModelForSequenceClassification,
    TFAutoModelForTokenClassification,
)

from tests.helpers import TINY_DISTILBERT, TINY_GPT2, TINY_MARIAN, run, write_task_recipe
from tfhf.errors import TfhfError
from tfhf.recipe import Train
from tfhf.runtime.start import random_generators
from tfhf.train import train_step
from tfhf.train.chunked_lm_loss import chunked_cross_entropy
from tfhf.train.gradient_checkpointing import checkpoint_blocks

VOCAB = 60
TINY_BERT = {"model_type": "bert", "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2}
TINY_T5 = {"model_type": "t5", "d_model": 16, "d_ff": 32, "d_kv": 8, "num_heads": 2, "decoder_start_token_id": 0}
NO_DROPOUT = {
    "bert": {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0},
    "distilbert": {"dropout": 0.0, "attention_dropout": 0.0, "seq_classif_dropout": 0.0},
    "gpt2": {"resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0},
    "marian": {"dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0},
    "t5": {"dropout_rate": 0.0},
}
BLOCKS = {  # two blocks per stack
    "bert": {"num_hidden_layers": 2},
    "distilbert": {"n_layers": 2},
    "gpt2": {"n_layer": 2},
    "marian": {"encoder_layers": 2, "decoder_layers": 2},
    "t5": {"num_layers": 2, "num_decoder_layers": 2},
}
MODEL_CLASSES = {
    "bert": TFAutoModelForSequenceClassification,
    "distilbert": TFAutoModelForSequenceClassification,
    "gpt2": TFAutoModelForCausalLM,
    "marian": TFAutoModelForSeq2SeqLM,
    "t5": TFAutoModelForSeq2SeqLM,
}


def tiny_model(architecture, dropout=True, model_class=None):
    """A model of `architecture` (of `model_class`, or its MODEL_CLASSES one) with two blocks per stack, built,
    with its dropout generators made."""
    tf.keras.utils.set_random_seed(0)
    tf_keras.backend.experimental.enable_tf_random_generator()  # as tfhf.runtime.start.configure does for runs
    settings = dict(architecture)
    model_type = settings.pop("model_type")
    settings.update(BLOCKS[model_type], vocab_size=VOCAB, **({} if dropout else NO_DROPOUT[model_type]))
    if model_type == "marian":
        settings.update(decoder_vocab_size=VOCAB, pad_token_id=0, decoder_start_token_id=0, eos_token_id=1)
    model = (model_class or MODEL_CLASSES[model_type]).from_config(AutoConfig.for_model(model_type, **settings))
    model.build_in_name_scope()
    return model, random_generators(model)


def a_batch(labels_per_token):
    rng = np.random.default_rng(1)
    ids = rng.integers(2, VOCAB, (4, 12))
    labels = rng.integers(2, VOCAB, (4, 12)) if labels_per_token else rng.integers(0, 2, 4)
    if labels_per_token:
        labels[:, 9:] = -100  # padding, scored by nothing
    return {"input_ids": tf.constant(ids), "attention_mask": tf.ones_like(ids), "labels": tf.constant(labels)}


def loss_and_gradients(model, loss, generators):
    """One traced step's loss and gradients, then the dropout generators put back to where they started."""
    start = [generator.state.numpy() for generator in generators]

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            value = loss()
        return value, tape.gradient(value, model.trainable_variables)

    value, gradients = step()
    end = [generator.state.numpy() for generator in generators]
    for generator, state in zip(generators, start):
        generator.state.assign(state)
    return float(value), [tf.convert_to_tensor(g).numpy() for g in gradients], end


@pytest.mark.parametrize("dropout", [True, False], ids=["dropout", "no-dropout"])
@pytest.mark.parametrize(
    "architecture", [TINY_BERT, TINY_DISTILBERT, TINY_GPT2, TINY_MARIAN, TINY_T5], ids=lambda a: a["model_type"]
)
def test_gradient_checkpointing_keeps_the_loss_and_gradients(architecture, dropout):
    model, generators = tiny_model(architecture, dropout)
    batch = a_batch(labels_per_token=MODEL_CLASSES[architecture["model_type"]] != TFAutoModelForSequenceClassification)
    loss = lambda: tf.reduce_mean(model(batch, training=True).loss)

    kept = loss_and_gradients(model, loss, generators)
    assert checkpoint_blocks(model) == (4 if architecture["model_type"] in ("marian", "t5") else 2)
    recomputed = loss_and_gradients(model, loss, generators)

    assert recomputed[0] == pytest.approx(kept[0], rel=1e-6)
    for with_it, without in zip(recomputed[1], kept[1]):
        np.testing.assert_allclose(with_it, without, rtol=1e-5, atol=1e-6)
    # the recomputation drew the forward pass's masks again: the generators end where they would without it
    for with_it, without in zip(recomputed[2], kept[2]):
        np.testing.assert_array_equal(with_it, without)
    if dropout:  # the comparison means something: the step drew dropout masks
        assert any(not np.array_equal(state, generator.state.numpy()) for state, generator in zip(kept[2], generators))


def test_gradient_checkpointing_refuses_other_architectures_in_one_line():
    config = AutoConfig.for_model("roberta", hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=32, vocab_size=VOCAB)  # fmt: skip
    model = TFAutoModelForSequenceClassification.from_config(config)
    model.build_in_name_scope()
    with pytest.raises(TfhfError, match=r"^train.gradient_checkpointing supports bert, .* not 'roberta'"):
        checkpoint_blocks(model)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("rows", [1, 7, 16, None])
def test_the_chunked_cross_entropy_is_the_full_logits_one(label_smoothing, rows):
    rng = np.random.default_rng(2)
    hidden = tf.constant(rng.normal(size=(45, 8)), tf.float32)
    weights = tf.Variable(rng.normal(size=(VOCAB, 8)), dtype=tf.float32)
    labels = rng.integers(0, VOCAB, 45)
    labels[rng.random(45) < 0.3] = -100
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(hidden)
        full = train_step.summed_cross_entropy(tf.matmul(hidden, weights, transpose_b=True), labels, label_smoothing)
        chunked = chunked_cross_entropy(hidden, weights, tf.constant(labels), label_smoothing, rows=rows)
        full, chunked = full / 3, chunked / 3  # an upstream gradient other than 1
    assert float(chunked) == pytest.approx(float(full), rel=1e-6)
    for with_chunks, without in zip(tape.gradient(chunked, [hidden, weights]), tape.gradient(full, [hidden, weights])):
        np.testing.assert_allclose(with_chunks, without, rtol=1e-5, atol=1e-6)


def assert_the_loss_without_logits_is_the_full_ones(model, generators, batch, loss_kind, label_smoothing):
    """tfhf's step's summed loss and its gradients, with train.chunked_lm_loss and without, agree; returns the step
    with it."""
    steps = {
        without_logits: train_step.AccumulatingStep(model, 1, label_smoothing, loss_kind, without_logits)
        for without_logits in (False, True)
    }
    full = loss_and_gradients(model, lambda: steps[False]._summed_loss(batch), generators)
    without_logits = loss_and_gradients(model, lambda: steps[True]._summed_loss(batch), generators)

    assert without_logits[0] == pytest.approx(full[0], rel=1e-6)
    for with_it, without in zip(without_logits[1], full[1]):
        np.testing.assert_allclose(with_it, without, rtol=1e-5, atol=1e-6)
    return steps[True]


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_the_chunked_lm_loss_step_keeps_a_gpt2_steps_loss_and_gradients(label_smoothing):
    model, generators = tiny_model(TINY_GPT2)
    batch = a_batch(labels_per_token=True)
    assert_the_loss_without_logits_is_the_full_ones(model, generators, batch, train_step.NEXT_TOKENS, label_smoothing)


def test_the_chunked_lm_loss_replaces_the_step_of_gpt2_models_only_by_default():
    gpt2, _ = tiny_model(TINY_GPT2)
    gpt2.compile(optimizer=tf_keras.optimizers.SGD(learning_rate=0.1))
    assert train_step.install(gpt2, Train(chunked_lm_loss=False), train_step.NEXT_TOKENS) is None  # transformers'
    assert train_step.install(gpt2, Train(), train_step.NEXT_TOKENS) is not None
    assert gpt2.train_step.chunked
    classifier, _ = tiny_model(TINY_DISTILBERT)
    assert train_step.install(classifier, Train(chunked_lm_loss=True), train_step.SEQUENCE) is None


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("architecture", [TINY_BERT, TINY_DISTILBERT], ids=lambda a: a["model_type"])
def test_a_masked_lms_loss_on_its_masked_positions_keeps_the_loss_and_gradients(architecture, label_smoothing):
    model, generators = tiny_model(architecture, model_class=TFAutoModelForMaskedLM)
    batch = a_batch(labels_per_token=True)
    labels = batch["labels"].numpy()
    labels[np.random.default_rng(3).random(labels.shape) < 0.8] = -100  # the collator scores about 15%
    batch["labels"] = tf.constant(labels)
    if architecture["model_type"] == "bert":  # its tokenizers give them; DistilBERT's do not
        batch["token_type_ids"] = tf.zeros_like(batch["input_ids"])
    step = assert_the_loss_without_logits_is_the_full_ones(model, generators, batch, train_step.TOKENS,
                                                           label_smoothing)  # fmt: skip
    # a micro-batch with nothing masked scores 0 instead of failing in the head's reshape
    nothing = {**batch, "labels": tf.fill(batch["labels"].shape, -100)}
    assert loss_and_gradients(model, lambda: step._summed_loss(nothing), generators)[0] == 0.0


def test_the_masked_positions_loss_replaces_the_step_of_bert_and_distilbert_masked_lms_by_default(monkeypatch):
    for architecture in (TINY_BERT, TINY_DISTILBERT):
        model, _ = tiny_model(architecture, model_class=TFAutoModelForMaskedLM)
        model.compile(optimizer=tf_keras.optimizers.SGD(learning_rate=0.1))
        assert train_step.install(model, Train(chunked_lm_loss=False), train_step.TOKENS) is None
        assert train_step.install(model, Train(), train_step.TOKENS) is not None and model.train_step.chunked
    # not on a TPU, whose compiled step needs fixed shapes (a strategy object only for its type: no TPU here)
    with monkeypatch.context() as patched:
        patched.setattr(tf.distribute, "get_strategy", lambda: object.__new__(tf.distribute.TPUStrategy))
        assert not train_step.chunks_loss(model, Train(), train_step.TOKENS)
    assert train_step.chunks_loss(model, Train(), train_step.TOKENS)
    # a token classifier's loss is per token too, but it has no LM head
    tagger, _ = tiny_model(TINY_BERT, model_class=TFAutoModelForTokenClassification)
    tagger.compile(optimizer=tf_keras.optimizers.SGD(learning_rate=0.1))
    assert train_step.install(tagger, Train(), train_step.TOKENS) is None


@pytest.mark.parametrize("architecture", [TINY_BERT, TINY_DISTILBERT], ids=lambda a: a["model_type"])
def test_a_masked_lms_evaluation_loss_on_its_masked_positions_is_the_full_logits_one(architecture):
    from tfhf.scores.token_loss import summed_token_loss

    model, _ = tiny_model(architecture, model_class=TFAutoModelForMaskedLM)  # dropout on: evaluation turns it off
    batches = []
    for seed in (3, 4):
        batch = a_batch(labels_per_token=True)
        labels = batch.pop("labels").numpy()
        labels[np.random.default_rng(seed).random(labels.shape) < 0.8] = -100
        batches.append((batch, tf.constant(labels)))
    batches.append((batches[0][0], tf.fill(labels.shape, -100)))  # a batch with nothing masked adds nothing
    full = summed_token_loss(model, batches, shift_labels=False)
    masked_only = summed_token_loss(model, batches, shift_labels=False, without_logits=True)
    assert masked_only[1] == full[1] == sum(float(tf.reduce_sum(tf.cast(y != -100, tf.float32))) for _, y in batches)
    assert masked_only[0] == pytest.approx(full[0], rel=1e-5)


def test_a_gpt2_evaluation_loss_in_chunks_is_the_full_logits_one(monkeypatch):
    from tfhf.scores.token_loss import summed_token_loss
    from tfhf.train import chunked_lm_loss

    model, _ = tiny_model(TINY_GPT2)  # dropout on: evaluation turns it off
    batch = a_batch(labels_per_token=True)
    batches = [({key: value for key, value in batch.items() if key != "labels"}, batch["labels"])]
    full = summed_token_loss(model, batches, shift_labels=True)
    # 5 rows a chunk: the 4 x 11 positions that predict a next token in 9 chunks, the last one padded
    monkeypatch.setattr(chunked_lm_loss, "CHUNK_LOGITS", 5 * model.config.vocab_size)
    chunked = summed_token_loss(model, batches, shift_labels=True, without_logits=True)
    assert chunked[1] == full[1] == 4 * 8  # 9 labelled positions a row, the first of them predicted by nothing
    assert chunked[0] == pytest.approx(full[0], rel=1e-5)


def test_a_masked_lms_loss_on_its_masked_positions_runs_under_mixed_precision():
    tf_keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model, generators = tiny_model(TINY_BERT, dropout=False, model_class=TFAutoModelForMaskedLM)
        batch = a_batch(labels_per_token=True)
        steps = {masked_only: train_step.AccumulatingStep(model, 1, 0.0, train_step.TOKENS, masked_only)
                 for masked_only in (False, True)}  # fmt: skip
        full = loss_and_gradients(model, lambda: steps[False]._summed_loss(batch), generators)
        masked_only = loss_and_gradients(model, lambda: steps[True]._summed_loss(batch), generators)
    finally:
        tf_keras.mixed_precision.set_global_policy("float32")
    assert masked_only[0] == pytest.approx(full[0], rel=1e-3)  # float16 logits both ways


@pytest.mark.slow  # a whole run, about 20 s: CI runs it, `pytest -m "not slow"` skips it
def test_a_tiny_language_model_run_with_both(tmp_path):
    data = {"path": sysconfig.get_paths()["stdlib"], "file_pattern": "*.py", "max_train_samples": 6,
            "max_eval_samples": 2, "block_size": 32}  # fmt: skip
    recipe = write_task_recipe(tmp_path, "text-generation", "TextData", data, config=TINY_GPT2)
    out = tmp_path / "run"
    result = run(recipe, out, "train.gradient_checkpointing=True", "train.chunked_lm_loss=True")
    assert result.exit_code == 0, result.output[-3000:]
    assert "gradient checkpointing: 1 transformer block(s) recompute their activations" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["after"]["perplexity"] < metrics["before"]["perplexity"]


def weights_after_accumulated_steps(train, architecture=TINY_GPT2, model_class=None, loss_kind=train_step.NEXT_TOKENS):
    """A tiny model's weights (GPT-2's by default) after 2 SGD steps of 2 micro-batches each, dropout on, with
    tfhf's step for `train`."""
    model, _ = tiny_model(architecture, model_class=model_class)
    if train.gradient_checkpointing:
        checkpoint_blocks(model)
    model.compile(optimizer=tf_keras.optimizers.SGD(learning_rate=0.5))
    train_step.install(model, train, loss_kind)
    batch = a_batch(labels_per_token=True)
    if loss_kind == train_step.TOKENS:  # a masked LM: about 15% of the positions scored
        labels = batch["labels"].numpy()
        labels[np.random.default_rng(3).random(labels.shape) < 0.85] = -100
        batch["labels"] = tf.constant(labels)
    labels = batch.pop("labels")
    model.fit(tf.data.Dataset.from_tensors((batch, labels)).repeat(2), epochs=1, verbose=0)
    return [weight.numpy() for weight in model.trainable_weights]


def test_both_inside_gradient_accumulation_train_the_same_weights():
    plain = weights_after_accumulated_steps(Train(gradient_accumulation_steps=2, chunked_lm_loss=False))
    both = weights_after_accumulated_steps(
        Train(gradient_accumulation_steps=2, gradient_checkpointing=True, chunked_lm_loss=True)
    )
    for with_both, without in zip(both, plain):
        np.testing.assert_allclose(with_both, without, rtol=1e-5, atol=1e-6)


def test_a_masked_lm_trains_the_same_weights_with_its_loss_on_the_masked_positions_in_micro_batches():
    masked_lm = {"architecture": TINY_BERT, "model_class": TFAutoModelForMaskedLM, "loss_kind": train_step.TOKENS}
    full = weights_after_accumulated_steps(Train(gradient_accumulation_steps=2, chunked_lm_loss=False), **masked_lm)
    masked_only = weights_after_accumulated_steps(
        Train(gradient_accumulation_steps=2, gradient_checkpointing=True), **masked_lm
    )
    for with_it, without in zip(masked_only, full):
        np.testing.assert_allclose(with_it, without, rtol=1e-5, atol=1e-6)
