"""The layers LoRA trains in full beside the adapters: a new task head, and train.lora_modules_to_save's modules.

Layers are named by PyTorch module paths ('bert.pooler.dense'), the names PEFT's files and
its `modules_to_save` use, from the same name mapping as the model files' own
(tfhf.model.pytorch_weights).
"""

from tfhf.errors import TfhfError
from tfhf.model.pytorch_weights import pytorch_name

# The heads PEFT itself keeps trainable (modules_to_save) for a task_type; they name a from-scratch model's head
PEFT_HEADS = {"SEQ_CLS": ("classifier", "score"), "TOKEN_CLS": ("classifier", "score"), "QUESTION_ANS": ("qa_outputs",)}


def module_path(weight):
    """'bert.encoder.layer.0.attention.self.query' for that layer's kernel: PyTorch's name for the module."""
    return pytorch_name(weight).rsplit(".", 1)[0]


def head_layers(model, linear, new_weights, kind):
    """{path: layer} of the layers whose own weights train beside the adapters.

    From a checkpoint: the layers holding weights it did not provide (a new task head).
    From scratch: the head PEFT keeps trainable for the task, found by PEFT's rule (a
    module path ending with the name, so DistilBERT's pre_classifier goes with classifier).
    """
    if new_weights is None:
        names = PEFT_HEADS.get(kind, ())
        return {path: layer for path, layer in linear.items() if path.endswith(names)} if names else {}
    new = set(new_weights)
    heads = {}
    for layer in model.submodules:
        weights = own_weights(layer)
        if weights and any(is_named(weight, new) for weight in weights):
            heads[module_path(weights[0])] = layer
    return heads


def saved_modules(model, names):
    """{path: layer} of the layers with weights of their own inside a module train.lora_modules_to_save names.

    peft keeps a module trainable when its path ends with a name, as a string, with every
    layer inside it: 'pooler' takes bert.pooler and so its dense layer. A layer is keyed by
    the module that holds all of its weights: transformers' TF embeddings layer holds the
    word, position and token type tables, which PyTorch keeps in three modules, so it goes
    by 'bert.embeddings', and the adapter file then holds all three.
    """
    held = [(holding_module(layer), layer) for layer in model.submodules if own_weights(layer)]
    chosen = {}
    for name in names:
        found = {path: layer for path, layer in held if inside_module_named(path, name)}
        if not found:
            split = sorted({path for path, layer in held for weight in own_weights(layer)
                            if inside_module_named(module_path(weight), name)})  # fmt: skip
            hint = " (names end a module's PyTorch path, e.g. 'pooler' or 'classifier')"
            if split:  # a PyTorch module whose weights a TF layer shares with others
                hint = f": in TensorFlow its weights are part of {', '.join(split)}, name that"
            raise TfhfError(
                f"train.lora_modules_to_save: {name!r} names no module of {type(model).__name__} with weights{hint}"
            )
        chosen.update(found)
    return chosen


def holding_module(layer):
    """The PyTorch module path that holds all of `layer`'s own weights: their longest common module path."""
    paths = [module_path(weight).split(".") for weight in own_weights(layer)]
    common = []
    for parts in zip(*paths):
        if len(set(parts)) > 1:
            break
        common.append(parts[0])
    return ".".join(common)


def inside_module_named(path, name):
    """Whether `path` or a module above it ends with `name`, as peft matches modules_to_save."""
    parts = path.split(".")
    return any(".".join(parts[:end]).endswith(name) for end in range(1, len(parts) + 1))


def is_named(weight, names):
    """Whether loading reported `weight` among `names`: by its PyTorch name, or by its TF name or a scope of it."""
    scoped = weight.name.split("/", 1)[-1].removesuffix(":0")
    parts = scoped.split("/")
    scopes = {"/".join(parts[:end]) for end in range(1, len(parts) + 1)}
    return pytorch_name(weight) in names or any(name.removesuffix(":0") in scopes for name in names)


def own_weights(layer):
    """The weights `layer` created itself, without those of the layers inside it."""
    # tf_keras keeps them in these two private lists; there is no public way to tell them apart
    return [*layer._trainable_weights, *layer._non_trainable_weights]
