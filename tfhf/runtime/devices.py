"""`tfhf devices`: the accelerators this machine reaches, and what the recipe's `auto` settings pick on them.

A notebook asks this before choosing runtime.strategy, so that a Colab runtime without
the TPU or GPU it expected falls back to one device and says so, instead of failing.
"""

import os

from tfhf.recipe import Runtime
from tfhf.runtime import distribution


def describe():
    """{'tpu', 'gpus', 'cpu_cores', 'auto_strategy', 'auto_precision'} for this machine (imports TensorFlow)."""
    import tensorflow as tf

    from tfhf.runtime.precision import AUTO_PRECISION

    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    strategy = distribution.plan(Runtime()).strategy
    kind = "TPU" if strategy == "tpu" else "GPU" if gpus else "CPU"
    return {
        "tpu": distribution.tpu_address(),
        "gpus": gpus,
        "cpu_cores": os.cpu_count(),
        "auto_strategy": strategy,
        "auto_precision": AUTO_PRECISION[kind],
    }


def summary(found):
    """The lines `tfhf devices` prints for `found` (describe's result)."""
    tpu = found["tpu"] or "none reachable"
    gpus = f"{len(found['gpus'])} ({', '.join(found['gpus'])})" if found["gpus"] else "none"
    return [
        f"TPU: {tpu}",
        f"GPUs: {gpus}",
        f"CPU cores: {found['cpu_cores']}",
        f"runtime.strategy=auto uses: {found['auto_strategy']}",
        f"runtime.precision=auto uses: {found['auto_precision']}",
    ]
