"""Metrics computed offline with the reference libraries (no `evaluate.load` from the Hub).

Each function returns plain floats on the scale the course reports (BLEU 0-100).
"""

import sacrebleu


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
