"""How long the data's inputs are, in tokens, against the lengths the recipe cuts them to.

Defaults sized for the bundled samples cut real data silently: a 64-token classification
limit cut 77.6% of one user's texts. Before training, each length setting of the task
(`LengthLimit`) is measured on up to SAMPLE_ROWS rows of each split, untruncated: the
log shows the quantiles and the share that is cut, and a share above WARN_SHARE is a
warning naming the setting to raise.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tfhf.errors import TfhfError

SAMPLE_ROWS = 2000
WARN_SHARE = 0.05
QUANTILES = (0.5, 0.9, 0.99)


@dataclass(frozen=True)
class LengthLimit:
    setting: str
    """The recipe key that sets the limit, e.g. 'data.max_source_length'."""
    limit: int
    encode: Callable
    """(tokenizer, rows as {column: list}) -> the untruncated token ids of each row."""


def check_room_for_text(limits, tokenizer):
    """Refuses a length setting the tokenizer's special tokens fill: truncation would keep no text at all."""
    special = tokenizer.num_special_tokens_to_add(pair=False)
    for limit in limits:
        if isinstance(limit.limit, int) and limit.limit <= special:
            raise TfhfError(
                f"{limit.setting}={limit.limit} leaves no room for text: the tokenizer adds {special} special "
                f"token(s) to every input; set {limit.setting} above {special} (or to 'auto')"
            )


def report_lengths(limits, splits, tokenizer, log):
    """Logs each limit's quantiles and cut share per split; returns {setting: {split: share cut}}."""
    check_room_for_text(limits, tokenizer)
    shares = {}
    for limit in limits:
        for name, split in splits.items():
            if not len(split):
                continue
            lengths, step = sampled_lengths(limit, split, tokenizer)
            share = float(np.mean(lengths > limit.limit))
            shares.setdefault(limit.setting, {})[name] = round(share, 4)
            quantiles = ", ".join(f"{q:.0%} {int(np.quantile(lengths, q))}" for q in QUANTILES)
            sampled = "" if step == 1 else f" (a sample: one row in {step})"
            log(
                f"{limit.setting}={limit.limit}, split {name!r}{sampled}: {quantiles}, max {lengths.max()} tokens; "
                f"{share:.1%} cut"
            )
            if share > WARN_SHARE:
                fitting = int(np.quantile(lengths, 0.95))
                log(
                    f"warning: {limit.setting}={limit.limit} cuts {share:.1%} of split {name!r} (95% fit in "
                    f"{fitting} tokens): raise {limit.setting}, or set it to 'auto'"
                )
    return shares


def sampled_lengths(limit, split, tokenizer):
    """(untruncated token lengths of up to SAMPLE_ROWS rows spread evenly over `split`, the step between them)."""
    step = max(len(split) // SAMPLE_ROWS, 1)
    rows = split.select(range(0, len(split), step)[:SAMPLE_ROWS])[:]
    return np.array([len(ids) for ids in limit.encode(tokenizer, rows)]), step
