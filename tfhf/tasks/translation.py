"""Translation: text-to-text, scored with corpus sacreBLEU."""

from tfhf.baselines import copy_source
from tfhf.metrics import bleu
from tfhf.tasks.seq2seq import Seq2SeqTask

TRANSLATION = Seq2SeqTask(
    name="translation", metric=bleu, headline="bleu", output_key="translation_text", baselines=(copy_source,)
)
# Any seq2seq checkpoint, for `tfhf predict` only (tfhf.tasks.pipeline_tasks): scored, if ever, like translation.
TEXT_TO_TEXT = Seq2SeqTask(
    name="text2text-generation",
    metric=bleu,
    headline="bleu",
    architecture_suffixes=("ForConditionalGeneration", "MTModel"),
)
