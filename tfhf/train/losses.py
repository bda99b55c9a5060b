"""The cross-entropy tfhf's own training step sums: -100 ignored, label smoothing as transformers' Trainer does it."""

import tensorflow as tf


def summed_cross_entropy(logits, labels, label_smoothing):
    """Sum over the labels that are not -100 of (1 - e) * NLL + e * mean over classes of -log p."""
    scored = labels != -100
    safe_labels = tf.where(scored, labels, tf.zeros_like(labels))
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=safe_labels, logits=logits)
    if label_smoothing:
        uniform = -tf.reduce_mean(tf.nn.log_softmax(logits), axis=-1)
        losses = (1 - label_smoothing) * losses + label_smoothing * uniform
    return tf.reduce_sum(tf.where(scored, losses, tf.zeros_like(losses)))
