"""A TensorFlow model's weights as the PyTorch `model.safetensors` the Hub serves, written without torch.

A TF model's own `save_pretrained(safe_serialization=True)` keeps TensorFlow's names and
layouts (metadata {'format': 'tf'}): PyTorch transformers, and transformers 5, which has
no TensorFlow at all, cannot use it. This writes each weight under the name PyTorch's
class gives it and in its layout, with transformers' own TF<->PyTorch name mapping
(the one tfhf.model.loading uses to read PyTorch checkpoints into TF) run the other
way: kernels transposed, `gamma`/`beta`/`embeddings` renamed, the TF model's top scope
dropped, biases made vectors. Weights that PyTorch ties to another (a language-model head to the input
embeddings) are written once, as PyTorch's own `save_pretrained` does.
"""

import os

import numpy as np
from safetensors.numpy import save_file
from transformers.modeling_tf_pytorch_utils import apply_transpose, convert_tf_weight_name_to_pt_weight_name

FILE_NAME = "model.safetensors"


def pytorch_state_dict(model):
    """{PyTorch parameter name: float array} for a transformers TF model."""
    tensors = {}
    for weight in model.weights:
        name = pytorch_name(weight)
        if name not in tensors:  # else one variable reached through two layers (shared embeddings)
            tensors[name] = pytorch_array(weight)
    return tensors


def pytorch_name(weight):
    """The name PyTorch's class gives a TF model's weight, e.g. 'bert.encoder.layer.0.attention.self.query.weight'."""
    return convert_tf_weight_name_to_pt_weight_name(weight.name, tf_weight_shape=weight.shape)[0]


def pytorch_array(weight):
    """A TF model's weight in PyTorch's layout, as a contiguous array."""
    name, transpose = convert_tf_weight_name_to_pt_weight_name(weight.name, tf_weight_shape=weight.shape)
    array = apply_transpose(transpose, weight.numpy(), pt_to_tf=False)
    if name.endswith(".bias") and array.ndim == 2 and array.shape[0] == 1:
        array = array[0]  # TF's Conv1D (GPT-2) keeps biases as (1, n); PyTorch's are vectors
    return np.ascontiguousarray(array)


def write_pytorch_weights(model, folder):
    """Writes `folder/model.safetensors` in PyTorch's format; returns its path."""
    path = folder / FILE_NAME
    save_file(pytorch_state_dict(model), str(path), metadata={"format": "pt"})
    readable_like_the_others(path)
    return path


def readable_like_the_others(path):
    """Gives `path` the mode a new file gets under the process's umask (0644 under the usual 022).

    safetensors writes its files 0600 whatever the umask, so a shared run folder would hold
    one model file that others cannot read.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
