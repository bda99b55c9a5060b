"""Extractive QA: long contexts cut into overlapping windows, and answers read back from them.

Windows: the question and a slice of the context fill `max_length` tokens; consecutive
slices share `stride` tokens, so an answer cut by one window's edge is whole in the next.
A window's answer is the token span of the example's (first) answer when the answer lies
entirely inside the window's context, else the CLS token (position 0), as BERT's SQuAD
recipe does.

Reading answers back: per example, over all its windows, the `n_best` highest start and
end logits are paired; a pair counts only if both ends are context tokens, in order, and
at most `max_answer_length` tokens apart. The best pair (start logit + end logit) is
mapped to characters of the context through the offset mapping.
"""

import numpy as np

NOT_CONTEXT = (-1, -1)
"""Offset stored for question and special tokens, which cannot be part of an answer."""


def windows(tokenizer, questions, contexts, answer_starts, answer_texts, max_length, stride):
    """Features per window: input_ids, attention_mask, start/end_positions, example_index, offset_mapping."""
    encoded = tokenizer(
        [question.strip() for question in questions],  # leading spaces waste window room
        contexts,
        max_length=max_length,
        stride=stride,
        truncation="only_second",
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    features = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
    features["example_index"] = list(encoded["overflow_to_sample_mapping"])
    features["start_positions"], features["end_positions"], features["offset_mapping"] = [], [], []
    for i, example in enumerate(features["example_index"]):
        in_context = [sequence == 1 for sequence in encoded.sequence_ids(i)]
        offsets = [
            tuple(offset) if inside else NOT_CONTEXT for offset, inside in zip(encoded["offset_mapping"][i], in_context)
        ]
        start_char = answer_starts[example][0]
        start, end = answer_span(offsets, start_char, start_char + len(answer_texts[example][0]))
        features["start_positions"].append(start)
        features["end_positions"].append(end)
        features["offset_mapping"].append(offsets)
    return features


def answer_span(offsets, start_char, end_char):
    """(first token, last token) of the characters [start_char, end_char) in a window, or (0, 0) if not all in it."""
    context = [i for i, offset in enumerate(offsets) if offset != NOT_CONTEXT]
    if not context or offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return 0, 0
    start = next(i for i in context if offsets[i][1] > start_char)
    end = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return start, end


def best_answers(start_logits, end_logits, example_index, offset_mapping, contexts, n_best, max_answer_length):
    """The best answer text of each example (context), '' when no window offers a valid span."""
    best = [(-np.inf, "") for _ in contexts]
    for starts, ends, example, offsets in zip(start_logits, end_logits, example_index, offset_mapping):
        length = len(offsets)
        starts, ends = starts[:length], ends[:length]
        for start in np.argsort(starts)[::-1][:n_best]:
            for end in np.argsort(ends)[::-1][:n_best]:
                if tuple(offsets[start]) == NOT_CONTEXT or tuple(offsets[end]) == NOT_CONTEXT:
                    continue
                if end < start or end - start + 1 > max_answer_length:
                    continue
                score = starts[start] + ends[end]
                if score > best[example][0]:
                    best[example] = (score, contexts[example][offsets[start][0] : offsets[end][1]])
    return [text for _, text in best]
