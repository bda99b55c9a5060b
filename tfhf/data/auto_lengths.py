"""Token-length settings set to 'auto' (data.max_length, data.max_source_length, data.max_target_length),
sized from the data before training.

A length sized for one corpus cuts another's texts, or pads far past them. 'auto' measures
the training split's untruncated lengths (tfhf.data.length_report's sample) and takes their
99th percentile, so one example in a hundred is cut, rounded up to a multiple of 8, and
capped at the model's positions and the tokenizer's own limit. The resolved numbers are
what the run trains with and what recipe.json records, so `tfhf predict` and a resumed run
use them too.
"""

import dataclasses
import math

import numpy as np

from tfhf.data.length_report import sampled_lengths
from tfhf.model.positions import model_positions

AUTO = "auto"
QUANTILE = 0.99
MULTIPLE = 8
NO_LIMIT = 100_000  # transformers' tokenizers without a length of their own say 1e30


def resolve_auto_lengths(recipe, task, train_split, tokenizer, log):
    """`recipe` with every 'auto' length of its data measured on `train_split` and replaced by a number."""
    limits = [limit for limit in task.length_limits(recipe.data) if limit.limit == AUTO]
    if not limits:
        return recipe
    cap = length_cap(recipe, tokenizer)
    values = {}
    for limit in limits:
        lengths, _ = sampled_lengths(limit, train_split, tokenizer)
        measured = int(np.quantile(lengths, QUANTILE))
        wanted = max(math.ceil(measured / MULTIPLE) * MULTIPLE, MULTIPLE)
        value = min(wanted, cap) if cap else wanted
        capped = f", capped at the model's {cap} positions" if value < wanted else ""
        log(
            f"{limit.setting}=auto: {value} tokens (the 99th percentile of split 'train' is {measured} tokens; "
            f"rounded up to a multiple of {MULTIPLE}{capped})"
        )
        values[limit.setting.removeprefix("data.")] = value
    return dataclasses.replace(recipe, data=dataclasses.replace(recipe.data, **values))


def length_cap(recipe, tokenizer):
    """The longest input the model and tokenizer take, or None when neither has a limit."""
    caps = []
    if tokenizer.model_max_length and tokenizer.model_max_length < NO_LIMIT:
        caps.append(int(tokenizer.model_max_length))
    config = None
    if recipe.model.checkpoint:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(recipe.model.checkpoint, trust_remote_code=False)
    elif recipe.model.config:
        config = scratch_config(recipe.model.config)
    positions = model_positions(config) if config else None
    if positions:
        caps.append(positions)
    return min(caps) if caps else None


def scratch_config(architecture):
    """The config a from-scratch model.config builds, its class's defaults included (e.g. 512 positions), or None.

    The recipe's dict lists only what it changes: reading positions from it alone missed the
    default limit, and a 50 MB line made 'auto' millions of tokens long.
    """
    from transformers import AutoConfig

    settings = dict(architecture)
    model_type = settings.pop("model_type", None)
    try:
        return AutoConfig.for_model(model_type, **settings) if model_type else None
    except (ValueError, TypeError):  # refused with its own line when the model is built
        return None
