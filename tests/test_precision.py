"""Precision policies: auto on CPU, and mixed_float16 training with loss scaling and a float32 loss."""

import json

import numpy as np
import pytest
import tensorflow as tf
import tf_keras
from transformers import DistilBertConfig, TFAutoModelForSequenceClassification

from tests.helpers import invoke
from tfhf.recipe import Model, Recipe, TextData, Train
from tfhf.runtime import precision
from tfhf.train import preparation


@pytest.fixture
def restore_policy():
    yield
    tf.keras.mixed_precision.set_global_policy("float32")


def test_auto_precision_on_cpu_is_float32(restore_policy):
    assert precision.set_policy("auto", tf.distribute.get_strategy()) == "float32"
    assert tf.keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize("kind, policy", [("CPU", "float32"), ("GPU", "mixed_float16"), ("TPU", "mixed_bfloat16")])
def test_auto_precision_picks_the_devices_fast_policy_and_a_set_one_wins(kind, policy):
    assert precision.resolve_precision("auto", kind) == policy
    assert precision.resolve_precision("float32", kind) == "float32"


def compiled_classifier(policy):
    """A tiny DistilBERT classifier built and compiled under Keras policy `policy`, as a run compiles it."""
    assert precision.set_policy(policy, tf.distribute.get_strategy()) == policy
    config = DistilBertConfig(vocab_size=50, dim=16, hidden_dim=32, n_layers=1, n_heads=2, num_labels=3)
    model = TFAutoModelForSequenceClassification.from_config(config)
    precision.adapt(model)
    recipe = Recipe(task="text-classification", model=Model(), data=TextData(), train=Train(learning_rate=1e-2))
    preparation.compile_for_training(recipe, model, total_steps=5)
    return model


def test_mixed_float16_trains_with_a_loss_scaled_optimizer_and_a_float32_loss(restore_policy):
    model = compiled_classifier("mixed_float16")
    assert isinstance(model.optimizer, tf_keras.mixed_precision.LossScaleOptimizer)  # dynamic loss scaling
    assert not model.jit_compile  # the training step is not XLA-compiled (TPUStrategy compiles it on a TPU)

    rng = np.random.default_rng(0)
    features = {"input_ids": rng.integers(1, 50, (8, 6)), "labels": rng.integers(0, 3, 8)}
    outputs = model(features)
    assert model.compute_dtype == "float16"  # the policy reached the layers...
    assert outputs.logits.dtype == tf.float32  # ...yet logits and loss are float32
    assert outputs.loss.dtype == tf.float32
    history = model.fit(tf.data.Dataset.from_tensors(features).repeat(4), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.optimizer.iterations.numpy() == 4


def test_mixed_bfloat16_the_tpus_policy_trains_with_float32_logits_and_no_loss_scaling(restore_policy):
    model = compiled_classifier("mixed_bfloat16")
    assert not isinstance(model.optimizer, tf_keras.mixed_precision.LossScaleOptimizer)  # bfloat16's range needs none
    rng = np.random.default_rng(0)
    features = {"input_ids": rng.integers(1, 50, (8, 6)), "labels": rng.integers(0, 3, 8)}
    outputs = model(features)
    assert model.compute_dtype == "bfloat16" and outputs.logits.dtype == tf.float32
    history = model.fit(tf.data.Dataset.from_tensors(features).repeat(3), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_a_translation_run_under_mixed_float16_trains_evaluates_and_saves(tmp_path, tiny_recipe_file, restore_policy):
    # Marian needed two fixes to run under float16 (tfhf.runtime.precision): its embedding scale and its forced EOS.
    out = tmp_path / "out"
    result = invoke("run", tiny_recipe_file, "--output-dir", out, "--set", "runtime.precision=mixed_float16")
    assert result.exit_code == 0, result.output[-3000:]
    assert "precision mixed_float16" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert np.isfinite(metrics["train"]["loss"]).all()
    assert "bleu" in metrics["after"]
