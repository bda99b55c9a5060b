"""The runtime: seeds, determinism, threads, then the distribution strategy and precision policy.

Two steps, because of what TensorFlow allows when. `configure` runs first (seeds, op
determinism, threads per op): none of it starts TensorFlow's runtime. `start_strategy` comes
after the data is loaded and checked: it splits the CPU into logical devices if asked,
starts the strategy (tfhf.runtime.distribution; logical devices and MultiWorkerMirroredStrategy
must be configured before TensorFlow runs its first op) and sets the precision policy,
which must happen before the model is built (tfhf.runtime.precision).
"""

import random
from dataclasses import replace

import numpy as np
import tensorflow as tf
import tf_keras

from tfhf.runtime import distribution, precision


def configure(runtime, seed):
    """Seeds everything and sets determinism and threads; returns a description of the threads."""
    threads = set_op_threads(runtime.op_threads)
    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)
    # Dropout then draws from tf.random.Generator variables, which a checkpoint can save and
    # restore, instead of stateful kernels whose position is lost when the process ends:
    # a resumed run draws the same masks as an uninterrupted one (tfhf.train.checkpoints).
    tf_keras.backend.experimental.enable_tf_random_generator()
    if runtime.deterministic:
        tf.config.experimental.enable_op_determinism()
    return threads


def start_strategy(runtime, planned):
    """(strategy, the Plan with its replica count known, precision policy name) for a distribution.Plan."""
    distribution.split_cpu(runtime.cpu_devices)
    strategy = distribution.make_strategy(planned)
    planned = replace(planned, replicas=strategy.num_replicas_in_sync)
    return strategy, planned, precision.set_policy(runtime.precision, strategy)


def setup(runtime, seed):
    """configure + start in one call, for commands that check no batch sizes first; returns (strategy, description)."""
    threads = configure(runtime, seed)
    strategy, planned, policy = start_strategy(runtime, distribution.plan(runtime))
    return strategy, describe(planned, policy, threads)


def describe(planned, policy, threads):
    workers = f" on {planned.workers} workers (this is worker {planned.worker_index})" if planned.workers > 1 else ""
    return f"{planned.strategy} strategy, {planned.replicas} replica(s){workers}, precision {policy}, {threads}"


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
    would make it trace again (tfhf.model.generation counts those traces). tf_keras keeps the
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
