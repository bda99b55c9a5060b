"""The ranges numeric recipe settings must lie in: a zero batch size or a negative learning rate is refused by key."""

from tfhf.errors import TfhfError
from tfhf.recipe import flat_settings

# Range rules for numeric settings, by key; a key a recipe's parts do not have is skipped.
AT_LEAST_ONE = (
    "train.epochs", "train.batch_size", "train.keep_checkpoints", "eval.batch_size", "model.tokenizer_vocab_size",
    "data.max_length", "data.max_source_length", "data.max_target_length", "data.block_size", "data.n_best",
    "data.max_answer_length", "data.max_train_samples", "data.max_eval_samples", "generate.max_new_tokens",
    "generate.num_beams", "train.steps_per_execution",
)  # fmt: skip
ABOVE_ZERO = ("train.learning_rate",)
AT_LEAST_ZERO = (
    "train.checkpoint_every",
    "train.length_buckets",
    "runtime.op_threads",
    "runtime.cpu_devices",
    "train.global_batch_size",
    "hub.every_steps",
    "train.weight_decay",
    "data.stride",
)
FRACTIONS = ("train.warmup_ratio",)  # 0 <= x < 1
OPEN_FRACTIONS = ("data.mlm_probability", "data.validation_fraction")  # 0 < x < 1


def check_values(recipe):
    """Refuses settings outside their range (a zero batch size, a negative learning rate, ...), naming the key."""
    settings = flat_settings(recipe.to_dict())
    rules = [
        (AT_LEAST_ONE, lambda v: v >= 1, "at least 1"),
        (ABOVE_ZERO, lambda v: v > 0, "greater than 0"),
        (AT_LEAST_ZERO, lambda v: v >= 0, "0 or more"),
        (FRACTIONS, lambda v: 0 <= v < 1, "from 0 up to (not including) 1"),
        (OPEN_FRACTIONS, lambda v: 0 < v < 1, "between 0 and 1"),
    ]
    for keys, valid, wanted in rules:
        for key in keys:
            value = settings.get(key)
            if value is not None and not valid(value):
                raise TfhfError(f"{key} must be {wanted}; got {value!r}")
