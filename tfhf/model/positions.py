"""Token lengths in the recipe against the positions the model has, checked before training.

A length beyond a model's position embeddings is an InvalidArgumentError deep inside the
first step that meets a long row, or nothing at all when only validation rows are that
long (they are silently read wrong on some devices). Models with relative positions (T5)
have no such limit.
"""

import dataclasses

from tfhf.errors import TfhfError

POSITION_KEYS = ("max_position_embeddings", "n_positions")


def model_positions(config):
    """How many positions `config`'s model embeds, or None when it has no fixed limit."""
    for key in POSITION_KEYS:
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def check_positions(recipe, config):
    """Refuses every token-length setting of `recipe` longer than `config`'s model can place, naming it."""
    limit = model_positions(config)
    if limit is None:
        return
    for part_name in ("data", "generate"):
        part = getattr(recipe, part_name)
        for f in dataclasses.fields(part):
            value = getattr(part, f.name)
            if f.metadata.get("positions") and value is not None and value > limit:
                raise TfhfError(
                    f"{part_name}.{f.name}={value} is longer than the model's {limit} positions "
                    f"({type(config).__name__}.{next(k for k in POSITION_KEYS if hasattr(config, k))}); "
                    f"lower {part_name}.{f.name} to {limit} or less"
                )
