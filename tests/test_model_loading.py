"""Checkpoints load back: a TF (h5) save, and a PyTorch-format safetensors file without torch."""

import importlib.util

import numpy as np
import pytest
from safetensors.numpy import save_file
from transformers.modeling_tf_pytorch_utils import TransposeType, convert_tf_weight_name_to_pt_weight_name

from tests.tiny_models import tiny_translation_setup
from tfhf.errors import TfhfError
from tfhf.model_loading import load_pretrained_model, load_tokenizer


def assert_same_weights(model, other):
    # Variable names start with the model's own scope ('tf_marian_mt_model_1/...'): compare the rest.
    expected = {w.name.split("/", 1)[-1]: w.numpy() for w in model.weights}
    loaded = {w.name.split("/", 1)[-1]: w.numpy() for w in other.weights}
    assert expected.keys() == loaded.keys()
    for name, value in expected.items():
        np.testing.assert_array_equal(loaded[name], value, err_msg=name)


def save_as_pytorch_safetensors(model, folder):
    """What a PyTorch `save_pretrained` writes: PyTorch names, (out, in) matrices, format 'pt'."""
    tensors = {}
    for weight in model.weights:
        name, transpose = convert_tf_weight_name_to_pt_weight_name(weight.name, tf_weight_shape=weight.shape)
        value = weight.numpy()
        tensors[name] = np.ascontiguousarray(value.T if transpose is TransposeType.SIMPLE else value)
    model.config.save_pretrained(folder)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})


def test_a_saved_tf_checkpoint_loads_with_identical_weights(tmp_path):
    task, tokenizer, model, _ = tiny_translation_setup()
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = load_pretrained_model(task.model_class, str(tmp_path))
    assert_same_weights(model, loaded)
    assert load_tokenizer(str(tmp_path))("Open the file")["input_ids"] == tokenizer("Open the file")["input_ids"]


def test_a_pytorch_format_safetensors_checkpoint_loads_without_torch(tmp_path):
    assert importlib.util.find_spec("torch") is None, "this test proves loading works without torch"
    task, _, model, _ = tiny_translation_setup()
    save_as_pytorch_safetensors(model, tmp_path)
    assert not (tmp_path / "tf_model.h5").exists()
    loaded = load_pretrained_model(task.model_class, str(tmp_path))
    assert_same_weights(model, loaded)


def test_an_unknown_model_is_a_one_line_error(tmp_path):
    task, _, _, _ = tiny_translation_setup()
    with pytest.raises(TfhfError, match="could not load model 'nobody/no-such-model-xyz'") as error:
        load_pretrained_model(task.model_class, "nobody/no-such-model-xyz")
    assert "\n" not in str(error.value)
    with pytest.raises(TfhfError, match="could not load model from"):
        load_pretrained_model(task.model_class, str(tmp_path))  # an empty folder
