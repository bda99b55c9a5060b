"""Distribution strategies: `runtime.strategy` made into a tf.distribute strategy.

- default: one device (TensorFlow's default strategy).
- mirrored: MirroredStrategy over every GPU of this machine (or over `runtime.cpu_devices`
  logical CPUs, which is how it is tried and tested without GPUs).
- multiworker: MultiWorkerMirroredStrategy over the machines listed in TF_CONFIG, the
  standard way of describing a TensorFlow cluster; every worker runs the same command.
- tpu: TPUStrategy on the TPU this machine reaches (Colab's, or a TPU VM's own).
- auto: a TPU if one is reachable, else mirrored when there is more than one GPU, else default.

`plan` works out the strategy and the number of replicas without starting anything, so
bad batch sizes are refused before a cluster is joined or a TPU initialised; `start`
then creates the strategy. Both run before TensorFlow's first op: logical devices and
MultiWorkerMirroredStrategy can only be configured in a fresh runtime.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from tfhf.errors import TfhfError


@dataclass(frozen=True)
class Plan:
    strategy: str  # default, mirrored, multiworker or tpu (auto resolved)
    replicas: int | None  # None: known once the TPU is connected
    workers: int = 1
    worker_index: int = 0  # the chief, if TF_CONFIG names one, is worker 0
    logical_cpus: bool = False  # replicas on runtime.cpu_devices logical CPUs, not on GPUs

    @property
    def is_chief(self):
        """True in the one process that writes outputs (and would push them)."""
        return self.worker_index == 0

    def global_batch(self, train):
        """The examples of one optimizer step over all replicas and micro-batches, from a recipe's Train.

        A global batch that does not split evenly into replicas x train.gradient_accumulation_steps is refused.
        """
        micro_batches = train.gradient_accumulation_steps
        if not train.global_batch_size:
            return train.batch_size * self.replicas * micro_batches
        if train.global_batch_size % (self.replicas * micro_batches):
            parts = f"{self.replicas} replicas ({self.strategy})"
            if micro_batches > 1:
                parts += f" x {micro_batches} micro-batches (train.gradient_accumulation_steps)"
            raise TfhfError(
                f"train.global_batch_size={train.global_batch_size} cannot be split evenly between {parts}; "
                f"use a multiple of {self.replicas * micro_batches}"
            )
        return train.global_batch_size


def tpu_address():
    """The address of a reachable TPU ('local' for a TPU VM's own chips), or None when there is none."""
    if os.environ.get("COLAB_TPU_ADDR"):  # Colab's TPU nodes
        return "grpc://" + os.environ["COLAB_TPU_ADDR"]
    if os.environ.get("TPU_NAME"):
        return os.environ["TPU_NAME"]
    if any(Path("/dev").glob("accel*")) or any(Path("/dev").glob("vfio/[0-9]*")):  # TPU VMs (Colab's newer ones)
        return "local"
    return None


def plan(runtime):
    """The Plan for `runtime` (a recipe's Runtime), from this machine's devices and TF_CONFIG."""
    name = runtime.strategy
    if name == "auto":
        if tpu_address() is not None:
            name = "tpu"
        elif runtime.cpu_devices > 1 or gpu_count() > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "default":
        return Plan("default", 1)
    if name == "tpu":
        if tpu_address() is None:
            raise TfhfError(
                "runtime.strategy=tpu: no TPU is reachable from this machine (COLAB_TPU_ADDR and TPU_NAME are "
                "unset and there is no /dev/accel*); use runtime.strategy=auto to train on what is here"
            )
        return Plan("tpu", None)
    # Asked-for logical CPUs win; else every GPU (CUDA is only probed when needed: it logs when absent).
    workers, index = cluster_from_tf_config() if name == "multiworker" else (1, 0)
    logical_cpus = runtime.cpu_devices > 1
    local_devices = runtime.cpu_devices if logical_cpus else max(gpu_count(), 1)
    if name == "mirrored":
        return Plan("mirrored", local_devices, logical_cpus=logical_cpus)
    return Plan("multiworker", workers * local_devices, workers, index, logical_cpus)


def gpu_count():
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


def cluster_from_tf_config():
    """(number of workers, this worker's index) from the TF_CONFIG environment variable."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise TfhfError(
            "runtime.strategy=multiworker needs the TF_CONFIG environment variable on every worker, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}} '
            "(docs/scaling.md)"
        )
    try:
        config = json.loads(raw)
        cluster, task = config["cluster"], config["task"]
        members = list(cluster.get("chief", [])) + list(cluster.get("worker", []))
        index = int(task["index"]) + (len(cluster.get("chief", [])) if task["type"] == "worker" else 0)
        if task["type"] not in ("chief", "worker") or not 0 <= index < len(members):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError):
        raise TfhfError(
            f"TF_CONFIG is not a valid cluster description: {raw!r}; it needs 'cluster' with a 'worker' list "
            "(and optionally one 'chief') and 'task' with this process's 'type' and 'index'"
        ) from None
    return len(members), index


def split_cpu(count):
    """Splits the CPU into `count` logical devices (before TensorFlow starts) so mirrored can run on it."""
    import tensorflow as tf

    if count <= 1:
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError:
        if len(tf.config.list_logical_devices("CPU")) != count:
            raise TfhfError(
                f"runtime.cpu_devices={count}: TensorFlow already started in this process with "
                f"{len(tf.config.list_logical_devices('CPU'))} CPU device(s); run it in a new process"
            ) from None


def make_strategy(planned):
    """The tf.distribute strategy of a Plan (after split_cpu)."""
    import tensorflow as tf

    if planned.strategy == "default":
        return tf.distribute.get_strategy()
    if planned.strategy == "mirrored":
        devices = tf.config.list_logical_devices("CPU" if planned.logical_cpus else "GPU")
        devices = devices or tf.config.list_logical_devices("CPU")  # mirrored asked for on a one-CPU machine
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    if planned.strategy == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    address = tpu_address()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TfhfError(f"runtime.strategy=tpu: could not connect to the TPU at {address!r}: {first_line}") from None
    return tf.distribute.TPUStrategy(resolver)
