"""The training step for gradient accumulation, label smoothing and the LM loss without the full logits
(train.gradient_accumulation_steps, train.label_smoothing, train.chunked_lm_loss).

Without any of them, tfhf trains with transformers' own `train_step` and the model's own
loss. With them, the model's `train_step` is replaced by this one, which:

- splits each step's batch (on each replica) into N micro-batches and runs them one after
  another in a `tf.while_loop`, so only one micro-batch's activations are alive at a time;
  their gradients are summed and the optimizer steps once, clipping the sum;
- weighs every scored label equally over the whole step: each micro-batch's summed loss is
  divided by the number of scored labels (label != -100) of the step over all replicas. N
  micro-batches of 8 then give the gradient of one batch of 32, also for token-level losses
  whose micro-batches score different numbers of tokens;
- computes the cross-entropy itself, ignoring -100, with label smoothing as transformers'
  Trainer does it: (1 - e) * NLL + e * the mean over classes of -log p;
- with train.chunked_lm_loss, computes a language model's loss without its full logits: a
  GPT-2 model's a few hundred positions at a time (tfhf.train.chunked_lm_loss), a BERT or
  DistilBERT masked LM's on the masked positions only (tfhf.train.masked_lm_loss).

Extractive QA keeps the model's per-example loss (start and end positions; no smoothing).
"""

import tensorflow as tf
import tf_keras

from tfhf.train.losses import summed_cross_entropy
from tfhf.train.losses_without_logits import loss_without_logits

# How a task's loss is computed from the logits and labels (Task.loss_kind)
SEQUENCE = "sequence"  # one label per example: classification
TOKENS = "tokens"  # one label per token, -100 ignored: NER, seq2seq, masked LM
NEXT_TOKENS = "next_tokens"  # token t predicts label t+1: causal LM
MODEL = "model"  # the model's own loss, one value per example: extractive QA


def chunks_loss(model, train, loss_kind):
    """Whether the step computes `model`'s LM loss without its full logits (train.chunked_lm_loss): a GPT-2
    model's next-token loss chunk by chunk, a BERT or DistilBERT masked LM's on its masked positions only (not on
    a TPU: tfhf.train.losses_without_logits)."""
    if not train.chunked_lm_loss or loss_kind not in (TOKENS, NEXT_TOKENS):
        return False
    return loss_without_logits(model, loss_kind == NEXT_TOKENS) is not None


def needs_own_step(model, train, loss_kind):
    return train.gradient_accumulation_steps > 1 or train.label_smoothing > 0 or chunks_loss(model, train, loss_kind)


def install(model, train, loss_kind):
    """Replaces `model.train_step` (compiled already) when `train` asks for accumulation, smoothing or chunking.

    Returns the Keras callback that restarts the step's running loss mean at each fit call,
    as Keras does with its own loss metric, or None when the model keeps its own step.
    """
    if not needs_own_step(model, train, loss_kind):
        return None
    step = AccumulatingStep(
        model, train.gradient_accumulation_steps, train.label_smoothing, loss_kind, chunks_loss(model, train, loss_kind)
    )
    model.train_step = step
    model.make_train_function(force=True)
    return step.reset_callback


class AccumulatingStep:
    """The replacement `train_step`: N micro-batches, one optimizer step, tfhf's cross-entropy."""

    def __init__(self, model, micro_batches, label_smoothing, loss_kind, chunked=False):
        self.model = model
        self.micro_batches = micro_batches
        self.label_smoothing = label_smoothing
        self.loss_kind = loss_kind
        self.chunked = chunked
        self.loss_mean = tf_keras.metrics.Mean(name="loss")
        self.reset_callback = ResetLossMean(self.loss_mean)

    def __call__(self, data):
        model, n = self.model, self.micro_batches
        features, labels, _ = tf_keras.utils.unpack_x_y_sample_weight(data)
        features = dict(features)
        if isinstance(labels, dict):  # QA: start and end positions are inputs of the model's loss
            features.update(labels)
        elif labels is not None:
            features["labels"] = labels  # seq2seq models also build their decoder inputs from them
        micro = {key: _split(value, n) for key, value in features.items()}
        local_count = self._scored(features)
        replica = tf.distribute.get_replica_context()
        # a step whose labels are all -100 scores nothing: a zero gradient, not a division by zero
        total_count = tf.maximum(replica.all_reduce(tf.distribute.ReduceOp.SUM, local_count), 1.0)
        variables = model.trainable_variables
        optimizer = model.optimizer
        scaled = isinstance(optimizer, tf_keras.mixed_precision.LossScaleOptimizer)

        def body(i, loss_sum, gradients):
            batch = {key: value[i] for key, value in micro.items()}
            with tf.GradientTape() as tape:
                summed = self._summed_loss(batch)
                loss = summed / total_count
                scaled_loss = optimizer.get_scaled_loss(loss) if scaled else loss
            step_gradients = tape.gradient(scaled_loss, variables)
            gradients = [
                g + tf.convert_to_tensor(s if s is not None else tf.zeros_like(v), g.dtype)
                for g, s, v in zip(gradients, step_gradients, variables)
            ]
            return i + 1, loss_sum + summed, gradients

        zeros = [tf.zeros(v.shape, v.dtype) for v in variables]
        _, loss_sum, gradients = tf.while_loop(
            lambda i, *_: i < n, body, (tf.constant(0), tf.constant(0.0), zeros), parallel_iterations=1
        )
        if scaled:
            gradients = optimizer.get_unscaled_gradients(gradients)
        optimizer.apply_gradients(zip(gradients, variables))
        # the step's mean loss on this replica, averaged over replicas by the metric, as Keras logs its own
        self.loss_mean.update_state(loss_sum / tf.maximum(local_count, 1.0))
        return {"loss": self.loss_mean.result()}

    def _scored(self, features):
        """How many labels this replica's whole step scores (examples, for SEQUENCE and MODEL)."""
        if self.loss_kind in (SEQUENCE, MODEL):
            return tf.cast(tf.shape(features["input_ids"])[0], tf.float32)
        labels = features["labels"]
        if self.loss_kind == NEXT_TOKENS:
            labels = labels[:, 1:]
        return tf.reduce_sum(tf.cast(labels != -100, tf.float32))

    def _summed_loss(self, batch):
        """The summed loss of one micro-batch's scored labels."""
        if self.chunked:
            loss = loss_without_logits(self.model, self.loss_kind == NEXT_TOKENS)
            return loss(self.model, batch, self.label_smoothing)
        outputs = self.model(batch, training=True)
        if self.loss_kind == MODEL:  # one loss per example (transformers' QA loss)
            return tf.reduce_sum(tf.cast(outputs.loss, tf.float32))
        logits, labels = tf.cast(outputs.logits, tf.float32), batch["labels"]
        if self.loss_kind == NEXT_TOKENS:
            logits, labels = logits[:, :-1], labels[:, 1:]
        return summed_cross_entropy(logits, labels, self.label_smoothing)


def _split(value, n):
    """(n, batch / n, ...) micro-batches of a (batch, ...) tensor."""
    return tf.reshape(value, tf.concat([[n, -1], tf.shape(value)[1:]], axis=0))


class ResetLossMean(tf_keras.callbacks.Callback):
    def __init__(self, loss_mean):
        super().__init__()
        self.loss_mean = loss_mean

    def on_epoch_begin(self, epoch, logs=None):
        self.loss_mean.reset_state()
