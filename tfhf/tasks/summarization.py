"""Summarization: text-to-text, scored with ROUGE beside the first-sentence and lead-3 baselines."""

from tfhf.scores.baselines import first_sentence, lead_3
from tfhf.scores.metrics import rouge
from tfhf.tasks.seq2seq import Seq2SeqTask, Seq2SeqUsage

SUMMARIZATION = Seq2SeqTask(
    name="summarization",
    metric=rouge,
    headline="rouge1",
    baselines=(first_sentence, lead_3),
    usage=Seq2SeqUsage(
        "summarization",
        output_key="summary_text",
        usage_example='pipe("The keyboard came quickly and types well, but its battery lasts two days at most.")',
    ),
)
