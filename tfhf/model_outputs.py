"""A model's outputs over a whole evaluation set, batch by batch, in order.

Keras `predict` concatenates batches, which fails when per-batch padding gives them
different lengths (token classification); this keeps each batch's arrays as they are.
Outputs are cast to float32 (under mixed precision they may be float16).
"""

import tensorflow as tf


def batch_outputs(model, tf_dataset, names=("logits",)):
    """Yields, per batch, {name: float32 NumPy array} of the model's outputs in inference mode."""

    @tf.function(reduce_retracing=True)  # batches of new lengths share one trace where they can
    def forward(features):
        outputs = model(features, training=False)
        return {name: tf.cast(outputs[name], tf.float32) for name in names}

    for batch in tf_dataset:
        features = batch[0] if isinstance(batch, tuple) else batch
        yield {name: value.numpy() for name, value in forward(features).items()}
