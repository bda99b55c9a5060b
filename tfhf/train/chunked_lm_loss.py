"""A causal LM's next-token loss without its [batch, length, vocabulary] logits (train.chunked_lm_loss).

A GPT-2 small step at batch 32 x 128 tokens makes 4,096 x 50,257 logits: 823 MB in
float32, held several times over by the softmax, the loss and their gradients
(docs/performance.md: the course's GPT-2 setup peaked at 17.4 GB). Here the model's body
gives the last hidden states, and the LM head's matmul and the cross-entropy run over a
few hundred positions at a time in a `tf.while_loop`, one chunk after another. Each
chunk's gradients are computed in the same pass, while its logits exist (the loss is a
sum, so its gradient with respect to a chunk's logits is known in the forward pass:
softmax - (1 - e) * one-hot - e / vocabulary), and a custom gradient hands them on. So
only one chunk's logits are ever alive, and the head's matmuls are the three the
ordinary backward pass makes: no recomputation.

The loss is tfhf.train.losses' `summed_cross_entropy` of the shifted logits and labels,
-100 ignored and label smoothing included, to float tolerance.
"""

import tensorflow as tf

from tfhf.train.losses import summed_cross_entropy

CHUNK_LOGITS = 2**24  # logits per chunk (64 MB in float32): sets the rows per chunk from the vocabulary


def supports_chunked_loss(model):
    """Whether tfhf knows where `model`'s body ends and its LM head begins: GPT-2 models."""
    return getattr(model.config, "model_type", None) == "gpt2" and hasattr(model, "transformer")


def summed_next_token_loss(model, batch, label_smoothing, training=True):
    """The summed loss of `batch`'s scored next tokens (labels t+1 predicted at t), for a GPT-2 LM head model.

    With training=False (dropout off) it is the evaluation's loss (tfhf.scores.token_loss): the
    same chunks, without the gradients, which nothing asks for there.
    """
    features = {key: value for key, value in batch.items() if key != "labels"}
    # no key/value cache: nothing generates here, and the cache would be one more tensor per block alive
    hidden = model.transformer(**features, use_cache=False, training=training)[0]
    width = tf.shape(hidden)[-1]
    hidden = tf.reshape(hidden[:, :-1], [-1, width])
    labels = tf.reshape(batch["labels"][:, 1:], [-1])
    # GPT-2's head is its token embedding, transposed (TFGPT2LMHeadModel.call)
    weights = model.transformer.wte.embeddings
    if not training:
        return chunked_cross_entropy_forward(hidden, weights, labels)
    return chunked_cross_entropy(hidden, weights, labels, label_smoothing)


def chunked_cross_entropy_forward(hidden, weights, labels, rows=None):
    """chunked_cross_entropy's loss alone, without label smoothing: one chunk's logits alive at a time."""
    chunks, hidden_chunks, label_chunks = in_chunks(hidden, labels, rows or rows_per_chunk(weights))
    weights = tf.cast(weights, hidden.dtype)

    def body(i, total):
        logits = tf.cast(tf.matmul(hidden_chunks[i], weights, transpose_b=True), tf.float32)
        return i + 1, total + summed_cross_entropy(logits, label_chunks[i], 0.0)

    _, total = tf.while_loop(lambda i, _: i < chunks, body, (tf.constant(0), tf.constant(0.0)), parallel_iterations=1)
    return total


def chunked_cross_entropy(hidden, weights, labels, label_smoothing, rows=None):
    """Sum over labels != -100 of the cross-entropy of logits `hidden @ weights^T`, made `rows` rows at a time.

    hidden: [positions, width]; weights: [vocabulary, width]; labels: [positions].
    """
    rows = rows or rows_per_chunk(weights)

    @tf.custom_gradient
    def loss(hidden, weights):
        total, hidden_gradient, weights_gradient = _loss_and_gradients(hidden, weights, labels, label_smoothing, rows)

        def gradient(upstream):  # under mixed precision, the hidden states' gradient is in their compute dtype
            return tf.cast(upstream, hidden.dtype) * hidden_gradient, upstream * weights_gradient

        return total, gradient

    return loss(hidden, tf.convert_to_tensor(weights))


def _loss_and_gradients(hidden, weights, labels, label_smoothing, rows):
    """(summed loss, its gradient for `hidden`, for `weights`), chunk by chunk in one tf.while_loop."""
    positions = tf.shape(hidden)[0]
    chunks, hidden_chunks, label_chunks = in_chunks(hidden, labels, rows)
    weights = tf.cast(weights, hidden.dtype)  # under mixed precision, the head's matmuls in the compute dtype

    def body(i, total, hidden_gradients, weights_gradient):
        chunk = hidden_chunks[i]
        logits = tf.cast(tf.matmul(chunk, weights, transpose_b=True), tf.float32)
        chunk_loss, logits_gradient = _chunk_loss(logits, label_chunks[i], label_smoothing)
        logits_gradient = tf.cast(logits_gradient, hidden.dtype)
        hidden_gradients = hidden_gradients.write(i, tf.matmul(logits_gradient, weights))
        weights_gradient += tf.cast(tf.matmul(logits_gradient, chunk, transpose_a=True), tf.float32)
        return i + 1, total + chunk_loss, hidden_gradients, weights_gradient

    start = (
        tf.constant(0),
        tf.constant(0.0),
        tf.TensorArray(hidden.dtype, size=chunks, element_shape=tf.TensorShape([None, hidden.shape[-1]])),
        tf.zeros(tf.shape(weights), tf.float32),
    )
    # one chunk at a time: parallel iterations would keep several chunks' logits alive at once
    _, total, hidden_gradients, weights_gradient = tf.while_loop(
        lambda i, *_: i < chunks, body, start, parallel_iterations=1
    )
    hidden_gradient = tf.reshape(hidden_gradients.stack(), [-1, tf.shape(hidden)[-1]])[:positions]
    return total, hidden_gradient, weights_gradient


def rows_per_chunk(weights):
    return max(1, CHUNK_LOGITS // int(weights.shape[0]))


def in_chunks(hidden, labels, rows):
    """(chunks, [chunks, rows, width] hidden states, [chunks, rows] labels): the last chunk padded, -100."""
    positions = tf.shape(hidden)[0]
    rows = tf.minimum(rows, tf.maximum(positions, 1))  # a small vocabulary's batch is one chunk, unpadded
    chunks = (positions + rows - 1) // rows
    padding = chunks * rows - positions
    hidden_chunks = tf.reshape(tf.pad(hidden, [[0, padding], [0, 0]]), [chunks, rows, -1])
    label_chunks = tf.reshape(tf.pad(labels, [[0, padding]], constant_values=-100), [chunks, rows])
    return chunks, hidden_chunks, label_chunks


def _chunk_loss(logits, labels, label_smoothing):
    """(summed loss of the scored rows, its gradient with respect to `logits`), both float32."""
    scored = labels != -100
    safe_labels = tf.where(scored, labels, tf.zeros_like(labels))
    log_probs = tf.nn.log_softmax(logits)
    taken = tf.stack([tf.range(tf.shape(labels)[0], dtype=safe_labels.dtype), safe_labels], axis=1)
    losses = -tf.gather_nd(log_probs, taken)
    vocabulary = tf.cast(tf.shape(logits)[-1], tf.float32)
    # d loss / d logits = softmax - (1 - e) * one-hot(label) - e / vocabulary, for each scored row
    gradient = tf.exp(log_probs)
    if label_smoothing:
        losses = (1 - label_smoothing) * losses - label_smoothing * tf.reduce_mean(log_probs, axis=-1)
        gradient -= label_smoothing / vocabulary
    gradient = tf.tensor_scatter_nd_sub(gradient, taken, tf.fill(tf.shape(labels), 1.0 - label_smoothing))
    kept = tf.cast(scored, tf.float32)
    return tf.reduce_sum(losses * kept), gradient * kept[:, None]
