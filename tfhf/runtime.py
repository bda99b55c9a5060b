"""The runtime: seeds, determinism, distribution strategy and precision policy.

Everything here must happen before the model is built: a Keras precision policy only
affects layers created after it is set (STACK.md trap 6; the course sets it too late).
"""

import random

import numpy as np
import tensorflow as tf
import tf_keras

# device kind -> the precision that is fastest there (measured on CPU: STACK.md trap 9)
AUTO_PRECISION = {"CPU": "float32", "GPU": "mixed_float16", "TPU": "mixed_bfloat16"}


def device_kind():
    if tf.config.list_logical_devices("TPU"):
        return "TPU"
    if tf.config.list_physical_devices("GPU"):
        return "GPU"
    return "CPU"


def resolve_precision(requested, kind):
    return AUTO_PRECISION[kind] if requested == "auto" else requested


def setup(runtime, seed):
    """Seed everything, set threads and the precision policy, return (strategy, description)."""
    threads = set_op_threads(runtime.op_threads)
    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)
    # Dropout then draws from tf.random.Generator variables, which a checkpoint can save and
    # restore, instead of stateful kernels whose position is lost when the process ends:
    # a resumed run draws the same masks as an uninterrupted one (tfhf.checkpoints).
    tf_keras.backend.experimental.enable_tf_random_generator()
    if runtime.deterministic:
        tf.config.experimental.enable_op_determinism()
    kind = device_kind()
    precision = resolve_precision(runtime.precision, kind)
    tf.keras.mixed_precision.set_global_policy(precision)
    strategy = tf.distribute.get_strategy()
    return strategy, f"{kind}, {strategy.num_replicas_in_sync} replica(s), precision {precision}, {threads}"


def set_op_threads(count):
    """Sets how many threads one op may use (0: TensorFlow's choice); returns a description.

    TensorFlow fixes its thread pools when it first runs an op; a process that already
    ran one (a test running several recipes) keeps the pools it has.
    """
    if tf.config.threading.get_intra_op_parallelism_threads() != count:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(count)
        except RuntimeError:
            current = tf.config.threading.get_intra_op_parallelism_threads()
            return f"{current or 'all'} thread(s) per op (fixed earlier in this process; {count or 'all'} asked)"
    return f"{count or 'all'} thread(s) per op"


def random_generators(model):
    """The tf.random.Generator of every random layer of `model`, created now, in a fixed order.

    With tf_keras's generator RNG enabled (`setup`), each Dropout layer draws from
    its own generator, whose state is a variable; checkpointing those states is what makes
    a resumed run draw the same dropout masks as an uninterrupted one. They are created
    lazily on first use, so they are forced into existence here: the set saved and the
    set restored must be the same, and a variable created inside a compiled function
    would make it trace again (tfhf.generation counts those traces). tf_keras keeps the
    generators out of the model's own checkpoint graph, hence the private attributes.
    """
    generators = []
    for layer in model.submodules:
        random_generator = getattr(layer, "_random_generator", None)
        if random_generator is None or not hasattr(random_generator, "_maybe_init"):
            continue
        random_generator._maybe_init()
        if getattr(random_generator, "_generator", None) is not None:
            generators.append(random_generator._generator)
    return generators
