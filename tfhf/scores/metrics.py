"""Metrics computed offline with the reference libraries (no `evaluate.load` from the Hub).

Each function returns plain floats on the scale the course reports (BLEU and ROUGE 0-100,
accuracy and F1 0-1). Each library is imported in the function that uses it: the task
modules import this one, and `tfhf predict`, which loads them but never scores, should
not wait for sklearn, nltk (through rouge_score) and the rest.
"""

import math

from tfhf.scores.sentences import split_sentences


def bleu(predictions, references):
    """Corpus sacreBLEU on detokenized text, as the course's `evaluate.load("sacrebleu")` computes it.

    `references` holds one list of reference strings per prediction (several are allowed).
    """
    import sacrebleu

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
    sentences are split with tfhf.scores.sentences (no nltk download). The mean is exact, where
    `evaluate`'s rouge reports a bootstrap-resampled median of it.
    """
    from rouge_score import rouge_scorer

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


def classification_scores(predictions, labels, num_labels):
    """Accuracy, F1, precision and recall (scikit-learn), averaged as the course's GLUE metrics are.

    Two classes: binary scores of class 1 (GLUE MRPC's "equivalent"). More: the macro
    average over the classes, so a rare class weighs as much as a frequent one.
    """
    from sklearn import metrics as sklearn_metrics

    average = "binary" if num_labels == 2 else "macro"
    keywords = {"average": average, "zero_division": 0}
    if average == "macro":
        keywords["labels"] = list(range(num_labels))
    return {
        "accuracy": float(sklearn_metrics.accuracy_score(labels, predictions)),
        "f1": float(sklearn_metrics.f1_score(labels, predictions, **keywords)),
        "precision": float(sklearn_metrics.precision_score(labels, predictions, **keywords)),
        "recall": float(sklearn_metrics.recall_score(labels, predictions, **keywords)),
    }


def entity_scores(predictions, references):
    """seqeval's entity-level precision, recall and F1 (and token accuracy), overall and per entity type.

    `predictions` and `references` hold one list of IOB2 tags per sentence. The keys are
    those of the course's `evaluate.load("seqeval")`: overall_* and one dict per type.
    """
    from seqeval import metrics as seqeval_metrics

    report = seqeval_metrics.classification_report(references, predictions, output_dict=True, zero_division=0)
    scores = {
        "overall_precision": float(seqeval_metrics.precision_score(references, predictions, zero_division=0)),
        "overall_recall": float(seqeval_metrics.recall_score(references, predictions, zero_division=0)),
        "overall_f1": float(seqeval_metrics.f1_score(references, predictions, zero_division=0)),
        "overall_accuracy": float(seqeval_metrics.accuracy_score(references, predictions)),
    }
    for name, row in report.items():
        if not name.endswith(" avg"):
            scores[name] = {
                "precision": float(row["precision"]),
                "recall": float(row["recall"]),
                "f1": float(row["f1-score"]),
                "number": int(row["support"]),
            }
    return scores
