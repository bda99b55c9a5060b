"""A masked LM's loss from its masked positions only (train.chunked_lm_loss): no [batch, length, vocabulary] logits.

transformers' `...ForMaskedLM` runs its LM head on every position and then ignores the
85% whose label is -100. The head's matmul against the vocabulary is a large part of the
model: for all-MiniLM-L6-v2 (384 wide, 30,522 tokens) it is 11.7M multiply-adds a
position, more than its six blocks' 10.6M. Here the body gives the last hidden states,
the masked positions' rows are gathered, and the head (its transform, layer norm and
vocabulary matmul, the same layers and weights) runs on those rows alone. The loss and
its gradients are the ones of the full logits: the positions left out are those the
loss ignores.
"""

import tensorflow as tf

from tfhf.train.losses import summed_cross_entropy


def supports_masked_positions_loss(model):
    """Whether tfhf knows where `model`'s body ends and its LM head begins: BERT and DistilBERT masked LMs."""
    model_type = getattr(model.config, "model_type", None)
    if model_type == "bert":
        return hasattr(model, "bert") and hasattr(model, "mlm")
    if model_type == "distilbert":
        return hasattr(model, "distilbert") and hasattr(model, "vocab_projector")
    return False


def summed_masked_token_loss(model, batch, label_smoothing, training=True):
    """The summed loss of `batch`'s labels that are not -100, the LM head run on their positions only.

    With training=False (dropout off) it is the evaluation's loss (tfhf.scores.token_loss).
    """
    features = {key: value for key, value in batch.items() if key != "labels"}
    body = model.bert if model.config.model_type == "bert" else model.distilbert
    hidden = body(features, training=training)[0]  # the batch as one dict, as `model(batch)` passes it on
    labels = batch["labels"]
    positions = tf.where(labels != -100)  # [scored, 2]: (row, position)
    logits = head_logits(model, tf.gather_nd(hidden, positions))
    return summed_cross_entropy(tf.cast(logits, tf.float32), tf.gather_nd(labels, positions), label_smoothing)


def head_logits(model, hidden):
    """[positions, vocabulary] logits of the model's LM head on `hidden` ([positions, width]), as its call makes them.

    The head's layers up to the vocabulary matmul are called, on one row of positions (their
    layer norms were built for [batch, length, width]); the matmul and bias are written
    out, because transformers' heads reshape to [batch, length, vocabulary] and cannot take
    a step with no masked position (an empty tensor has no length to infer).
    """
    hidden = hidden[tf.newaxis]
    if model.config.model_type == "bert":  # TFBertForMaskedLM.call -> TFBertLMPredictionHead
        head = model.mlm.predictions
        hidden = head.transform(hidden_states=hidden)
    else:  # TFDistilBertForMaskedLM.call -> TFDistilBertLMHead
        head = model.vocab_projector
        hidden = model.vocab_layer_norm(model.act(model.vocab_transform(hidden)))
    hidden = hidden[0]
    # under mixed precision the variables are float32 outside a layer's call: cast them as Keras would inside
    embeddings = tf.cast(head.input_embeddings.weight, hidden.dtype)
    return tf.matmul(hidden, embeddings, transpose_b=True) + tf.cast(head.bias, hidden.dtype)
