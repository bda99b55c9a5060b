"""SQuAD v1.1 exact match and F1, as the official evaluation script defines them.

Answers are compared after normalization: lowercase, punctuation removed, the articles
"a", "an" and "the" removed, whitespace collapsed. F1 is over the bag of normalized
tokens. A question with several reference answers scores its best match, and the
corpus scores are means over questions, times 100.
"""

import collections
import re
import string

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text):
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction, reference):
    return float(normalize_answer(prediction) == normalize_answer(reference))


def token_f1(prediction, reference):
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(reference).split()
    common = collections.Counter(predicted) & collections.Counter(expected)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(expected)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions, references):
    """{'exact_match', 'f1'} x 100 for predicted answer texts against lists of reference texts."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} questions")
    exact = sum(max(exact_match(p, r) for r in refs) for p, refs in zip(predictions, references))
    f1 = sum(max(token_f1(p, r) for r in refs) for p, refs in zip(predictions, references))
    count = max(len(predictions), 1)
    return {"exact_match": 100 * exact / count, "f1": 100 * f1 / count}
