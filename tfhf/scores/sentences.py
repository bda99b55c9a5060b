"""Sentence splitting without downloads, for ROUGE-Lsum and the lead-3 baseline.

The course uses `nltk.sent_tokenize`, which needs the punkt model fetched at run time.
A rule is enough for review-style text: a sentence ends at '.', '!' or '?' (optionally
followed by closing quotes or brackets) when whitespace and then an uppercase letter, a
digit or an opening quote follow. Common abbreviations ('e.g.', 'Dr.', 'etc.') are not
sentence ends.
"""

import re

ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "dr.", "mr.", "mrs.", "ms.", "vs.", "approx.", "sr.", "sra.", "st."}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]»]*\s+(?=[\"'(«¿¡]?[A-ZÁÉÍÓÚÑÜ0-9])")


def split_sentences(text):
    """['First one.', 'Second one!'] from 'First one. Second one!'."""
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()].strip()
        last_word = candidate.rsplit(None, 1)[-1].lower() if candidate else ""
        if last_word in ABBREVIATIONS:
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def lead(text, count=3):
    """The first `count` sentences: the lead-n summarization baseline."""
    return " ".join(split_sentences(text)[:count])
