"""Non-learned (or barely learned) baselines, scored on the same validation examples as the model.

A score means little alone: translation BLEU 18 is just over copying the source (16), a
classifier at 0.90 accuracy is just under TF-IDF + logistic regression. Each task lists
its baselines; the run logs them, saves them in metrics.json and the card, and ends with a
line saying whether the model beats the best of them.
"""

import math
from collections import Counter, defaultdict

from tfhf.scores.sentences import lead, split_sentences

TFIDF_MAX_TRAIN = 50_000  # training rows the TF-IDF baseline fits on: seconds, not minutes


def copy_source(text):
    """Translation: the source itself, unchanged (names, numbers and code survive translation)."""
    return text


def first_sentence(text):
    return lead(text, 1)


def lead_3(text):
    return lead(text, 3)


def majority_class(train_labels, count):
    """Every validation example gets the training split's most frequent class."""
    [(label, _)] = Counter(train_labels).most_common(1)
    return [label] * count


def tfidf_logistic_regression(train_texts, train_labels, validation_texts):
    """Word and bigram TF-IDF features into a logistic regression (scikit-learn), fit on the training split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if len(set(train_labels)) < 2:
        return None
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, max_features=200_000)
    features = vectorizer.fit_transform(train_texts[:TFIDF_MAX_TRAIN])
    classifier = LogisticRegression(max_iter=1000).fit(features, train_labels[:TFIDF_MAX_TRAIN])
    return classifier.predict(vectorizer.transform(validation_texts)).tolist()


def tag_per_word(train_words, train_tags, validation_words, outside="O"):
    """Each word gets the tag it had most often in training; a word never seen is `outside`."""
    counts = defaultdict(Counter)
    for words, tags in zip(train_words, train_tags):
        for word, tag in zip(words, tags):
            counts[word][tag] += 1
    best = {word: tags.most_common(1)[0][0] for word, tags in counts.items()}
    return [[best.get(word, outside) for word in words] for words in validation_words]


def unigram_perplexity(train_ids, scored_ids, vocab_size, ignored=()):
    """Perplexity of `scored_ids` under token frequencies counted on `train_ids` (add-one smoothed).

    A language model has learned something only once it predicts better than how often
    each token occurs. Token ids in `ignored` (special tokens) are neither counted nor scored.
    """
    ignored = set(ignored)
    counts = Counter(token for ids in train_ids for token in ids if token not in ignored)
    total = sum(counts.values()) + vocab_size
    scored = [token for ids in scored_ids for token in ids if token not in ignored]
    if not scored:
        return None
    log_likelihood = sum(math.log((counts[token] + 1) / total) for token in scored)
    return math.exp(-log_likelihood / len(scored))


def first_sentence_answer(question, context):
    """QA: the context's first sentence, whatever the question."""
    return lead(context, 1)


def best_overlap_sentence(question, context):
    """QA: the context's sentence sharing the most words with the question."""
    words = set(question.lower().split())
    return max(split_sentences(context) or [context], key=lambda sentence: len(words & set(sentence.lower().split())))


def verdict(after, baselines, headline, lower_is_better, from_checkpoint=False):
    """One line: does the model's `headline` beat the best baseline's? None when there is no baseline.

    `from_checkpoint`: the run started from pretrained weights, so the advice is not to.
    """
    scored = [(b[headline], b["name"]) for b in baselines or () if isinstance(b.get(headline), (int, float))]
    if not scored or headline not in (after or {}):
        return None
    value, name = min(scored) if lower_is_better else max(scored)
    model = after[headline]
    beats = model < value if lower_is_better else model > value
    if beats:
        return f"the model beats the best baseline: {headline} {model:.4g} against {name}'s {value:.4g}"
    advice = (
        "try another train.learning_rate"
        if from_checkpoint
        else "start from a pretrained checkpoint (model.checkpoint)"
    )
    return (
        f"warning: the model does not beat the {name} baseline: {headline} {model:.4g} against {value:.4g}. "
        f"Train longer, on more data, or {advice}"
    )
