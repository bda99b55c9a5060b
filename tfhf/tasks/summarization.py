"""Summarization: text-to-text, scored with ROUGE beside the lead-3 baseline."""

from tfhf.metrics import rouge
from tfhf.sentences import lead
from tfhf.tasks.seq2seq import Seq2SeqTask


def lead_3(text):
    return lead(text, 3)


SUMMARIZATION = Seq2SeqTask(
    name="summarization",
    metric=rouge,
    headline="rouge1",
    baseline=lead_3,
    output_key="summary_text",
    usage_example='pipe("The keyboard came quickly and types well, but its battery lasts two days at most.")',
)
