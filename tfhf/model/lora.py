"""LoRA: low-rank adapters trained in place of a transformers TF model's own weights (train.lora_rank).

Each targeted linear layer (a Dense, or GPT-2's Conv1D) gets a `LoraAdapter` whose output,
dropout(x) @ A @ B * alpha / rank, is added to the layer's own. B starts at zero, so the
model starts out exactly as it was built or loaded. Only the adapters, a new task head and
the modules train.lora_modules_to_save names train (tfhf.model.lora_full_layers); every
other weight is frozen. The numbers are PEFT's (initialisation, scaling,
dropout on the input), so the adapters load in PyTorch's peft (tfhf.model.peft_adapter).

Why it is built this way:
- The adapters' variables are created under the adapted layer's name scope
  (`.../attention/self/query/lora/lora_A:0`): their PyTorch module path, which PEFT's
  files are keyed by, then comes from the same name mapping as every other weight's.
- The adapters are tracked by the model itself (`model.lora_adapters`), not by the layers
  they adapt, so freezing can use Keras's own `layer.trainable = False` on every layer
  that holds no head. (A non-trainable layer hides the weights of everything below it.)
- The adapted layer's `call` is replaced on the instance, as tfhf.runtime.precision does
  for the model's logits; the adapter's dropout follows the outer call's `training`.
- What was applied (`Lora`) is kept beside the model in a weak dict: a Keras attribute
  holding variables would be tracked, which puts frozen weights back among the trainable.
- It must run inside the strategy's scope (the adapters' variables are mirrored like the
  model's) and before compile (the optimizer takes the trainable variables of that moment).
"""

import hashlib
import math
import random
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
import tf_keras
from transformers.modeling_tf_utils import TFConv1D

from tfhf.errors import TfhfError, did_you_mean
from tfhf.log_format import trained_share
from tfhf.model.lora_full_layers import head_layers, module_path, own_weights, saved_modules

# train.lora_targets=() picks these: the attention's query and value projections, as PEFT's defaults do
DEFAULT_TARGETS = {
    "bert": ("query", "value"),
    "distilbert": ("q_lin", "v_lin"),
    "t5": ("q", "v"),
    "mt5": ("q", "v"),
    "marian": ("q_proj", "v_proj"),
    "gpt2": ("c_attn",),
}
# PEFT's task_type, from the end of the model's class name
TASK_TYPES = (
    ("ForSequenceClassification", "SEQ_CLS"),
    ("ForTokenClassification", "TOKEN_CLS"),
    ("ForQuestionAnswering", "QUESTION_ANS"),
    ("ForConditionalGeneration", "SEQ_2_SEQ_LM"),
    ("MTModel", "SEQ_2_SEQ_LM"),
    ("LMHeadModel", "CAUSAL_LM"),
    ("ForCausalLM", "CAUSAL_LM"),
)

_APPLIED = weakref.WeakKeyDictionary()


class LoraAdapter(tf_keras.layers.Layer):
    """dropout(x) @ A @ B * alpha / rank: what LoRA adds to one linear layer's output."""

    def __init__(self, in_features, out_features, rank, alpha, dropout, **kwargs):
        super().__init__(**kwargs)
        self.in_features, self.out_features = in_features, out_features
        self.scale = alpha / rank
        self.rank = rank
        self.dropout = tf_keras.layers.Dropout(dropout, name="lora_dropout") if dropout else None

    def build_under(self, scope):
        """Creates A (in x rank) and B (rank x out) named `scope/lora/lora_A` and `.../lora_B`."""
        # PEFT's kaiming_uniform_(a=sqrt(5)) on A: uniform within 1/sqrt(in_features)
        bound = 1 / math.sqrt(self.in_features)
        with tf.name_scope(scope + "/"), tf.name_scope(self.name):
            self.lora_A = self.add_weight(
                name="lora_A",
                shape=(self.in_features, self.rank),
                initializer=tf_keras.initializers.RandomUniform(-bound, bound),
            )
            self.lora_B = self.add_weight(name="lora_B", shape=(self.rank, self.out_features), initializer="zeros")
        self.built = True

    def call(self, inputs):
        if self.dropout is not None:
            inputs = self.dropout(inputs)
        shape = tf.shape(inputs)
        rows = tf.reshape(inputs, [-1, self.in_features])
        outputs = tf.matmul(tf.matmul(rows, self.lora_A), self.lora_B) * self.scale
        return tf.reshape(outputs, tf.concat([shape[:-1], [self.out_features]], axis=0))

    def delta(self):
        """A @ B * scale as a float32 array (in x out): what merging adds to the adapted layer's kernel."""
        return (self.lora_A.numpy() @ self.lora_B.numpy() * self.scale).astype(np.float32)


@dataclass
class Adapted:
    """One adapted layer: its PyTorch module path, the layer, its kernel and its adapter."""

    path: str
    layer: object
    kernel: object
    adapter: LoraAdapter


@dataclass
class Lora:
    """What apply_lora did to a model."""

    rank: int
    alpha: float
    dropout: float
    targets: tuple
    """The target names (train.lora_targets, or the architecture's defaults)."""
    task_type: str | None
    """PEFT's task_type for the model's class, None when PEFT has none (a masked LM)."""
    adapted: list = field(default_factory=list)
    heads: dict = field(default_factory=dict)
    """{PyTorch module path: layer} of the head layers that train beside the adapters."""
    trained: int = 0
    total: int = 0

    def describe(self):
        """The log line: rank, targets, heads and the share of the parameters trained."""
        heads = f", and in full {', '.join(self.heads)}" if self.heads else ""
        return (
            f"LoRA rank {self.rank}, alpha {self.alpha:g}, dropout {self.dropout:g} on {len(self.adapted)} layers "
            f"({', '.join(self.targets)}){heads}: {trained_share(self.trained, self.total)}"
        )


def lora_of(model):
    """What apply_lora did to `model`, or None when it has no adapters."""
    return _APPLIED.get(model)


def apply_lora(model, train, new_weights=None):
    """Adds adapters to the layers train.lora_targets names and freezes all but them and the head; returns a Lora.

    `new_weights`: the names of the weights the model's checkpoint did not provide
    (tfhf.model.loading.new_weights), whose layers train; None for a model built from
    scratch, whose head (PEFT's for its task) trains.
    """
    model_type = model.config.model_type
    targets = tuple(train.lora_targets) or DEFAULT_TARGETS.get(model_type)
    if not targets:
        raise TfhfError(
            f"train.lora_targets: tfhf has no default LoRA targets for a {model_type!r} model; name its "
            f"attention's linear layers, e.g. train.lora_targets=('query', 'value') (defaults exist for "
            f"{', '.join(DEFAULT_TARGETS)})"
        )
    linear = linear_layers(model)
    saved = saved_modules(model, train.lora_modules_to_save)  # before the adapters: they are never among them
    lora = Lora(train.lora_rank, train.lora_alpha, train.lora_dropout, targets, task_type(model))
    for path, layer in matching_layers(linear, targets, type(model).__name__):
        lora.adapted.append(adapt(path, layer, lora))
    # Tracked by the model: their weights train, and their dropout's generator is checkpointed
    model.lora_adapters = [adapted.adapter for adapted in lora.adapted]
    adapted_paths = {adapted.path for adapted in lora.adapted}
    heads = {**head_layers(model, linear, new_weights, lora.task_type), **saved}
    lora.heads = {path: layer for path, layer in heads.items() if path not in adapted_paths}
    trained = [weight for adapted in lora.adapted for weight in adapted.adapter.weights]
    trained += [weight for layer in lora.heads.values() for weight in own_weights(layer) if weight.trainable]
    freeze_all_but(model, trained)
    lora.trained = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    lora.total = sum(int(np.prod(weight.shape)) for weight in model.weights)
    _APPLIED[model] = lora
    return lora


def task_type(model):
    name = type(model).__name__
    return next((kind for suffix, kind in TASK_TYPES if name.endswith(suffix)), None)


def linear_layers(model):
    """{PyTorch module path: layer} of every Dense and Conv1D layer of `model`."""
    found = {}
    for layer in model.submodules:
        kernel = kernel_of(layer)
        if kernel is not None:
            found.setdefault(module_path(kernel), layer)
    return found


def kernel_of(layer):
    if isinstance(layer, tf_keras.layers.Dense):
        return layer.kernel
    if isinstance(layer, TFConv1D):  # GPT-2's: x @ weight + bias, weight (in, out) like a Dense kernel
        return layer.weight
    return None


def matching_layers(linear, targets, model_name):
    """The (path, layer) pairs whose path ends with a target name, as PEFT matches target_modules."""
    chosen = []
    for target in targets:
        if not isinstance(target, str) or not target:
            raise TfhfError(f"train.lora_targets holds layer names (strings); got {target!r}")
        found = [(path, layer) for path, layer in linear.items() if path == target or path.endswith("." + target)]
        if not found:
            names = sorted({path.rsplit(".", 1)[-1] for path in linear})
            raise TfhfError(
                f"train.lora_targets: {target!r} names no linear layer of {model_name}{did_you_mean(target, names)} "
                f"(its linear layers: {', '.join(names)})"
            )
        chosen += [pair for pair in found if pair not in chosen]
    return chosen


def adapt(path, layer, lora):
    """Adds a LoraAdapter to `layer`'s output; returns the Adapted."""
    activation = getattr(layer, "activation", None)
    if activation not in (None, tf_keras.activations.linear):
        raise TfhfError(
            f"train.lora_targets: {path} applies an activation to its output, which LoRA cannot add to; "
            "name a linear layer without one"
        )
    kernel = kernel_of(layer)
    adapter = LoraAdapter(
        int(kernel.shape[0]), int(kernel.shape[1]), lora.rank, lora.alpha, lora.dropout,
        name="lora", dtype=layer.dtype_policy,  # float32 variables, computing in the layer's dtype
    )  # fmt: skip
    adapter.build_under(kernel.name.rsplit("/", 1)[0])
    call = layer.call

    def call_with_adapter(inputs, *args, **kwargs):
        return call(inputs, *args, **kwargs) + adapter(inputs)

    layer.call = call_with_adapter
    return Adapted(path, layer, kernel, adapter)


def freeze_all_but(model, trained):
    """Leaves exactly `trained` (variables) trainable in `model`."""
    keep = {id(weight) for weight in trained}
    visit_for_freezing(model, keep, set())
    trainable = {id(weight) for weight in model.trainable_weights}
    if trainable != keep:  # a layer layout this code does not know: refuse rather than train the wrong weights
        raise RuntimeError(f"LoRA froze {len(keep ^ trainable)} weights wrongly in {type(model).__name__}")


def visit_for_freezing(layer, keep, seen):
    """Freezes every layer below `layer` holding none of `keep`; moves `layer`'s own other weights to non-trainable."""
    if id(layer) in seen:
        return
    seen.add(id(layer))
    for child in layer._flatten_layers(include_self=False, recursive=False):
        held = child.trainable_weights if child.trainable else []
        if not any(id(weight) in keep for weight in held):
            child.trainable = False
        else:
            visit_for_freezing(child, keep, seen)
    # A layer that stays trainable for a head below it may own weights of its own that are not
    # the head's (the model itself may); only these private lists tell Keras they are not trained.
    stray = [weight for weight in layer._trainable_weights if id(weight) not in keep]
    for weight in stray:
        layer._trainable_weights.remove(weight)
        layer._non_trainable_weights.append(weight)


def scoped_name(weight):
    """A weight's name without the model's own scope, which Keras numbers per process (`..._1/`)."""
    return weight.name.split("/", 1)[-1]


def trained_weights(model):
    """{scoped name: variable} of the weights LoRA trains: what a LoRA run's checkpoints hold."""
    return {scoped_name(weight).removesuffix(":0"): weight for weight in model.trainable_weights}


def frozen_digest(model):
    """A digest of every weight LoRA leaves frozen: what a resumed run must rebuild exactly."""
    trained = {id(weight) for weight in model.trainable_weights}
    digest = hashlib.blake2b(digest_size=16)
    for weight in sorted((w for w in model.weights if id(w) not in trained), key=scoped_name):
        digest.update(scoped_name(weight).encode())
        digest.update(np.ascontiguousarray(weight.numpy()).tobytes())
    return digest.hexdigest()


def merged_copy(model):
    """`model` itself without adapters; with them, a plain model of its class whose kernels have them folded in.

    The copy loads anywhere without an adapter library. `model` is not changed, so it
    trains on and can be saved again (pushes during training save it too).
    """
    lora = lora_of(model)
    if lora is None:
        return model
    merged = {scoped_name(a.kernel): a.kernel.numpy() + a.adapter.delta() for a in lora.adapted}
    values = {scoped_name(weight): weight for weight in model.weights}
    with random_state_kept():  # the copy's initial values are overwritten: they must not use up training's draws
        copy = type(model).from_config(model.config)
        copy.build_in_name_scope()
    copy.generation_config = model.generation_config
    assignments = []
    for weight in copy.weights:
        name = scoped_name(weight)
        assignments.append((weight, merged[name] if name in merged else values[name].numpy()))
    tf_keras.backend.batch_set_value(assignments)
    return copy


@contextmanager
def random_state_kept():
    """Python's, NumPy's and Keras's seed generators as they were before the block."""
    from tf_keras.src import backend

    seeds = getattr(backend._SEED_GENERATOR, "generator", None)  # what unseeded Keras initializers draw from
    states = random.getstate(), np.random.get_state(), seeds.getstate() if seeds else None
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        if seeds:
            seeds.setstate(states[2])
