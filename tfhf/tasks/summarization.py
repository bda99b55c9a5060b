"""Summarization: text-to-text, scored with ROUGE beside the first-sentence and lead-3 baselines."""

from tfhf.baselines import first_sentence, lead_3
from tfhf.metrics import rouge
from tfhf.tasks.seq2seq import Seq2SeqTask

SUMMARIZATION = Seq2SeqTask(
    name="summarization",
    metric=rouge,
    headline="rouge1",
    baselines=(first_sentence, lead_3),
    output_key="summary_text",
    usage_example='pipe("The keyboard came quickly and types well, but its battery lasts two days at most.")',
)
