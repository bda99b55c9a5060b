"""Metrics computed offline with the reference libraries (no `evaluate.load` from the Hub).

Each function returns plain floats on the scale the course reports (BLEU and ROUGE 0-100).
"""

import math

import sacrebleu
from rouge_score import rouge_scorer

from tfhf.sentences import split_sentences


def bleu(predictions, references):
    """Corpus sacreBLEU on detokenized text, as the course's `evaluate.load("sacrebleu")` computes it.

    `references` holds one list of reference strings per prediction (several are allowed).
    """
    references = [[ref] if isinstance(ref, str) else list(ref) for ref in references]
    count = max(len(refs) for refs in references)
    # sacrebleu wants one stream per reference position; short lists are padded with None,
    # which sacrebleu skips (the same transposition evaluate's sacrebleu module does).
    streams = [[refs[i] if i < len(refs) else None for refs in references] for i in range(count)]
    return {"bleu": sacrebleu.corpus_bleu(predictions, streams).score}


ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def rouge(predictions, references):
    """ROUGE-1/2/L/Lsum F-measure x 100, averaged over examples (rouge-score, with stemming).

    Lsum scores summary-level LCS over sentences, which rouge-score reads one per line;
    sentences are split with tfhf.sentences (no nltk download). The mean is exact, where
    `evaluate`'s rouge reports a bootstrap-resampled median of it.
    """
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for prediction, reference in zip(predictions, references, strict=True):
        scores = scorer.score("\n".join(split_sentences(reference)), "\n".join(split_sentences(prediction)))
        for name in ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    return {name: 100 * total / max(len(predictions), 1) for name, total in totals.items()}


def perplexity(total_loss, total_tokens):
    """exp of the mean token loss over the whole set: `total_loss` summed over `total_tokens` tokens.

    Not the mean of per-batch perplexities: batches hold different numbers of scored
    tokens, and exp of a mean is not the mean of exps.
    """
    return math.exp(total_loss / total_tokens)
