"""Warnings for degenerate outputs: one answer for most inputs, or text that repeats itself.

A summarizer that writes the same title for a quarter of its inputs, or a classifier that
says "joy" to everything, can still post a score; the log says so in words.
"""

from collections import Counter

SAME_OUTPUT_SHARE = 0.2  # of generated validation outputs being one same text
SAME_LABEL_SHARE = 0.9  # of predicted labels being one class (a frequent class may well take a quarter)
REPEATED_NGRAM_SHARE = 0.2  # of generated texts repeating a word n-gram
NGRAM = 3


def degenerate_output_warnings(outputs, generated):
    """Warning lines about `outputs` (one string per validation example); `generated`: free text, not labels."""
    if len(outputs) < 10:
        return []
    warnings = []
    [(most_common, count)] = Counter(outputs).most_common(1)
    if count / len(outputs) > (SAME_OUTPUT_SHARE if generated else SAME_LABEL_SHARE):
        shown = most_common if len(most_common) <= 60 else most_common[:57] + "..."
        warnings.append(
            f"warning: {count:,} of {len(outputs):,} validation outputs ({count / len(outputs):.0%}) are the same: "
            f"{shown!r}"
        )
    if generated:
        repeating = sum(_repeats_an_ngram(text) for text in outputs)
        if repeating / len(outputs) > REPEATED_NGRAM_SHARE:
            warnings.append(
                f"warning: {repeating:,} of {len(outputs):,} generated outputs ({repeating / len(outputs):.0%}) repeat "
                f"a sequence of {NGRAM} words"
            )
    return warnings


def _repeats_an_ngram(text):
    words = text.split()
    ngrams = [tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)]
    return len(ngrams) != len(set(ngrams))
