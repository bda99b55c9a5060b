"""Checkpoints load back: a TF (h5) save, and a PyTorch-format safetensors file without torch."""

import importlib.util

import numpy as np
import pytest
from safetensors.numpy import save_file
from transformers.modeling_tf_pytorch_utils import TransposeType, convert_tf_weight_name_to_pt_weight_name

from tests.helpers import TINY_MARIAN, sample_pairs, tiny_translation_setup
from tfhf.data.tokenizer_training import train_tokenizer
from tfhf.errors import TfhfError
from tfhf.model.loading import build_model, load_pretrained_model, load_tokenizer
from tfhf.tasks import TASKS


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
    with pytest.raises(
        TfhfError, match="model 'nobody/no-such-model-xyz' is not in the Hub cache, and the Hub is out of reach"
    ) as error:
        load_pretrained_model(task.model_class, "nobody/no-such-model-xyz")
    assert "\n" not in str(error.value)
    with pytest.raises(TfhfError, match="could not load model from"):
        load_pretrained_model(task.model_class, str(tmp_path))  # an empty folder


ARCHITECTURES = {
    "translation": TINY_MARIAN,
    "summarization": {"model_type": "t5", "d_model": 16, "d_ff": 32, "d_kv": 8, "num_layers": 1, "num_heads": 2},
    "text-generation": {"model_type": "gpt2", "n_embd": 16, "n_layer": 1, "n_head": 2, "n_positions": 64},
    **{
        encoder_task: {"model_type": "distilbert", "dim": 16, "hidden_dim": 32, "n_layers": 1, "n_heads": 2}
        for encoder_task in ("fill-mask", "text-classification", "token-classification", "question-answering")
    },
}


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer((text for pair in sample_pairs(200) for text in pair.values()), vocab_size=300)


@pytest.mark.parametrize("task_name", sorted(ARCHITECTURES))
def test_every_task_model_loads_from_a_tf_save_and_from_pytorch_safetensors(tmp_path, tokenizer, task_name):
    task = TASKS[task_name]
    model = build_model(task.model_class, ARCHITECTURES[task_name], **task.special_token_ids(tokenizer))
    model.build_in_name_scope()
    model.save_pretrained(tmp_path / "tf")
    assert_same_weights(model, load_pretrained_model(task.model_class, str(tmp_path / "tf")))
    save_as_pytorch_safetensors(model, tmp_path / "pt")
    assert_same_weights(model, load_pretrained_model(task.model_class, str(tmp_path / "pt")))
    with pytest.raises(TfhfError, match="is not in the Hub cache, and the Hub is out of reach"):
        load_pretrained_model(task.model_class, "nobody/no-such-model-xyz")
