"""The optimizer and its learning-rate schedule: transformers' `create_optimizer`, with a choice of decay.

`create_optimizer` warms up linearly, then decays polynomially: power 1 is the course's
linear decay to 0, power 0 holds the peak (constant). For cosine decay, the optimizer it
makes (AdamW, or Adam without weight decay, LayerNorm and biases excluded) is rebuilt from
its own config around a warmup + cosine schedule. Clipping (`train.max_grad_norm`) is
Keras's global-norm clipping, applied by that optimizer. The schedule is a function of the
optimizer's step counter, which every checkpoint holds, so a resumed run continues it.
"""

import math

import tensorflow as tf
from transformers import create_optimizer
from transformers.optimization_tf import WarmUp


def make_optimizer(train, total_steps):
    """The optimizer for `train` (tfhf.recipe.Train) over `total_steps` optimizer steps."""
    warmup_steps = math.ceil(train.warmup_ratio * total_steps)
    optimizer, _ = create_optimizer(
        init_lr=train.learning_rate,
        num_train_steps=total_steps,
        num_warmup_steps=warmup_steps,
        weight_decay_rate=train.weight_decay,
        power=0.0 if train.lr_schedule == "constant" else 1.0,
        adam_global_clipnorm=train.max_grad_norm,
    )
    if train.lr_schedule != "cosine":
        return optimizer
    schedule = tf.keras.optimizers.schedules.CosineDecay(train.learning_rate, max(total_steps - warmup_steps, 1))
    if warmup_steps:
        schedule = WarmUp(
            initial_learning_rate=train.learning_rate, decay_schedule_fn=schedule, warmup_steps=warmup_steps
        )
    return type(optimizer).from_config({**optimizer.get_config(), "learning_rate": schedule})
