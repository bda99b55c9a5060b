"""Exact token-level loss of a language model over a whole evaluation set.

Sums the cross-entropy of every scored token (label != -100) and counts them, so the
mean, and so the perplexity, weighs every token equally whatever the batch sizes.
Logits are cast to float32 first: under mixed precision they may be float16.
"""

import tensorflow as tf

from tfhf.train.losses_without_logits import loss_without_logits


def summed_token_loss(model, tf_dataset, shift_labels, without_logits=False):
    """(sum of token losses, number of scored tokens) of `model` on batches of (features, labels).

    shift_labels: True for causal LMs (position t predicts token t+1), False for masked LMs.
    without_logits (train.chunked_lm_loss): the loss as the training step computes it, without
    the [batch, length, vocabulary] logits, for the models that have one
    (tfhf.train.losses_without_logits). The same sums, to float tolerance.
    """
    own_loss = loss_without_logits(model, shift_labels) if without_logits else None

    @tf.function
    def batch_loss(features, labels):
        if own_loss:
            scored = labels[:, 1:] if shift_labels else labels
            loss = own_loss(model, {**features, "labels": labels}, 0.0, training=False)
            return loss, tf.reduce_sum(tf.cast(scored != -100, tf.float32))
        logits = tf.cast(model(features, training=False).logits, tf.float32)
        if shift_labels:
            logits, labels = logits[:, :-1], labels[:, 1:]
        scored = labels != -100
        losses = tf.keras.losses.sparse_categorical_crossentropy(tf.where(scored, labels, 0), logits, from_logits=True)
        scored = tf.cast(scored, tf.float32)
        return tf.reduce_sum(losses * scored), tf.reduce_sum(scored)

    total_loss, total_tokens = 0.0, 0.0
    for features, labels in tf_dataset:
        loss, tokens = batch_loss(features, labels)
        total_loss += float(loss)
        total_tokens += float(tokens)
    return total_loss, total_tokens
