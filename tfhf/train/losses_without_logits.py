"""Which of tfhf's language-model losses without the full logits a model has (train.chunked_lm_loss).

One answer for the training step (tfhf.train.train_step) and for evaluation
(tfhf.scores.token_loss): a GPT-2's next-token loss in chunks (tfhf.train.chunked_lm_loss),
a BERT or DistilBERT masked LM's on its masked positions (tfhf.train.masked_lm_loss).
"""

import tensorflow as tf

from tfhf.train.chunked_lm_loss import summed_next_token_loss, supports_chunked_loss
from tfhf.train.masked_lm_loss import summed_masked_token_loss, supports_masked_positions_loss


def loss_without_logits(model, next_tokens):
    """`loss(model, batch, label_smoothing, training=True)` summing the batch's scored labels, or None.

    next_tokens: a causal LM's loss (label t+1 predicted at t), else a masked LM's. Not the
    masked positions on a TPU: it compiles for fixed shapes, and their count changes with
    each batch. The strategy is the scope's (the training step is built inside it) or the
    one the model was built in (an evaluation runs outside the scope).
    """
    if next_tokens:
        return summed_next_token_loss if supports_chunked_loss(model) else None
    strategies = (tf.distribute.get_strategy(), model.distribute_strategy)
    on_tpu = any(isinstance(strategy, tf.distribute.TPUStrategy) for strategy in strategies)
    return summed_masked_token_loss if supports_masked_positions_loss(model) and not on_tpu else None
