"""Precision: the Keras policy for the device, and a loss computed in float32 whatever the policy.

`auto` picks what is fastest on the device: float32 on a CPU (float16 and bfloat16 are
slower there: docs/stack.md), mixed_float16 on a GPU, mixed_bfloat16 on a TPU. The
policy must be set before the model is built (a layer takes the policy in force when it
is created; the course sets it after compile, where it does nothing). Under
mixed_float16, Keras's compile wraps the optimizer in a LossScaleOptimizer (dynamic loss
scaling), which transformers' train_step uses through `optimizer.minimize`.

Under a mixed policy the model's logits come out in float16 or bfloat16; a softmax cross
entropy over thousands of classes loses too much there, so `float32_loss` casts the
logits before transformers computes the loss, and `float32_logits` has the model
return them in float32, for metrics and generation.
"""

import functools

import tensorflow as tf

AUTO_PRECISION = {"CPU": "float32", "GPU": "mixed_float16", "TPU": "mixed_bfloat16"}


def device_kind(strategy):
    """'TPU', 'GPU' or 'CPU': what the strategy's replicas run on."""
    if isinstance(strategy, tf.distribute.TPUStrategy):
        return "TPU"
    if tf.config.list_physical_devices("GPU"):
        return "GPU"
    return "CPU"


def resolve_precision(requested, kind):
    return AUTO_PRECISION[kind] if requested == "auto" else requested


def set_policy(requested, strategy):
    """Sets the global Keras policy (before any model is built); returns its name."""
    precision = resolve_precision(requested, device_kind(strategy))
    tf.keras.mixed_precision.set_global_policy(precision)
    return precision


def adapt(model):
    """Makes `model` (a transformers TF model) run under a mixed policy: float32 loss, scalars of any dtype."""
    if model.compute_dtype == "float32":
        return
    python_scalar_embed_scale(model)
    float32_loss(model)
    float32_logits(model)


def python_scalar_embed_scale(model):
    """Turns a float32 tensor `embed_scale` (Marian's and others' sqrt(d_model)) into a Python float.

    transformers' TF Marian keeps it as a float32 tensor and multiplies the float16
    embeddings by it, which TensorFlow refuses ("expected a half tensor but is a float
    tensor"); a Python float takes the dtype of what it multiplies.
    """
    for layer in model.submodules:
        scale = getattr(layer, "embed_scale", None)
        if isinstance(scale, tf.Tensor):
            layer.embed_scale = float(scale.numpy())


def float32_logits(model):
    """Makes `model` return float32 logits, as Keras's guide has a mixed model's last layer do.

    Metrics read them, and so do transformers' generation logits processors, some of which
    fail on float16 (the forced end-of-sentence token of Marian and BART: "'scores' has
    dtype float32 in the main branch, but dtype float16 in the else branch").
    """
    call = model.call

    @functools.wraps(call)  # prepare_tf_dataset picks the columns to feed from call's signature
    def call_with_float32_logits(*args, **kwargs):
        outputs = call(*args, **kwargs)
        for name in ("logits", "start_logits", "end_logits"):
            if getattr(outputs, name, None) is not None:
                setattr(outputs, name, tf.cast(getattr(outputs, name), tf.float32))
        return outputs

    model.call = call_with_float32_logits


def float32_loss(model):
    """Makes `model` compute its training loss from float32 logits."""
    compute_loss = model.hf_compute_loss

    def hf_compute_loss_in_float32(labels, logits, *args, **kwargs):
        logits = tf.nest.map_structure(lambda tensor: tf.cast(tensor, tf.float32), logits)  # QA: (start, end)
        return compute_loss(labels, logits, *args, **kwargs)

    model.hf_compute_loss = hf_compute_loss_in_float32
