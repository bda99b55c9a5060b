"""An epoch's batches as in-memory tensors of static shapes, for TPUs.

A TPU compiles one program per input shape and runs no Python inside its input
pipeline, while `prepare_tf_dataset` calls the collator through Python per batch and
declares its sequence lengths unknown. So for a TPU the epoch's batches (already padded
to their length buckets: tfhf.data.length_buckets) are computed up front on the host, grouped
by shape, and served from tensors: each group is a dataset of fully defined shape, and
a list of group numbers replays the epoch's batch order across the groups. The epoch is
held in host memory, the price of an input pipeline the TPU never waits on.
"""

import numpy as np
import tensorflow as tf


def static_batches(batches):
    """The batches of `batches` (a tf.data.Dataset), computed now and served from in-memory tensors, in order."""
    groups, order = {}, []
    for batch in batches:
        arrays = tf.nest.map_structure(lambda tensor: tensor.numpy(), batch)
        shape = tuple(array.shape for array in tf.nest.flatten(arrays))  # dicts flatten in key order
        order.append(list(groups).index(shape) if shape in groups else len(groups))
        groups.setdefault(shape, []).append(arrays)
    if not groups:
        raise ValueError("no batches to serve")
    datasets = [
        tf.data.Dataset.from_tensor_slices(tf.nest.map_structure(lambda *arrays: np.stack(arrays), *group))
        for group in groups.values()
    ]
    if len(datasets) == 1:
        return datasets[0]
    return tf.data.Dataset.choose_from_datasets(datasets, tf.data.Dataset.from_tensor_slices(np.array(order)))
