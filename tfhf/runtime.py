"""The runtime: seeds, determinism, distribution strategy and precision policy.

Everything here must happen before the model is built: a Keras precision policy only
affects layers created after it is set (STACK.md trap 6; the course sets it too late).
"""

import random

import numpy as np
import tensorflow as tf

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
    """Seed everything, set the precision policy, return (strategy, description)."""
    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)
    if runtime.deterministic:
        tf.config.experimental.enable_op_determinism()
    kind = device_kind()
    precision = resolve_precision(runtime.precision, kind)
    tf.keras.mixed_precision.set_global_policy(precision)
    strategy = tf.distribute.get_strategy()
    return strategy, f"{kind}, {strategy.num_replicas_in_sync} replica(s), precision {precision}"
