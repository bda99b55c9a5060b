"""A model's outputs over a whole evaluation set, batch by batch, in order.

Keras `predict` concatenates batches, which fails when per-batch padding gives them
different lengths (token classification); this keeps each batch's arrays as they are.
Outputs are cast to float32 (under mixed precision they may be float16).
"""

import tensorflow as tf


def inference_function(model, names=("logits",)):
    """One traced forward pass, made once per evaluator so every evaluation reuses its traces."""

    @tf.function(reduce_retracing=True)  # batches of new lengths share one trace once shapes vary
    def forward(features):
        outputs = model(features, training=False)
        return {name: tf.cast(outputs[name], tf.float32) for name in names}

    return forward


def batch_outputs(forward, tf_dataset):
    """Yields, per batch, {name: float32 NumPy array} of `forward` (an inference_function)."""
    for batch in tf_dataset:
        features = batch[0] if isinstance(batch, tuple) else batch
        yield {name: value.numpy() for name, value in forward(features).items()}


def eval_batches(model, features, batch_size, collate):
    """An evaluation split as model batches: in order, unshuffled, every example kept (the last batch may be short)."""
    return model.prepare_tf_dataset(features, batch_size=batch_size, shuffle=False, collate_fn=collate)
