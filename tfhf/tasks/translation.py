"""Translation: text-to-text, scored with corpus sacreBLEU."""

from tfhf.scores.baselines import copy_source
from tfhf.scores.metrics import bleu
from tfhf.tasks.seq2seq import Seq2SeqTask, Seq2SeqUsage

TRANSLATION = Seq2SeqTask(
    name="translation",
    metric=bleu,
    headline="bleu",
    baselines=(copy_source,),
    usage=Seq2SeqUsage("translation", output_key="translation_text"),
)
# Any seq2seq checkpoint, for `tfhf predict` only (tfhf.tasks.pipeline_tasks): scored, if ever, like translation.
TEXT_TO_TEXT = Seq2SeqTask(
    name="text2text-generation",
    metric=bleu,
    headline="bleu",
    usage=Seq2SeqUsage("text2text-generation", architecture_suffixes=("ForConditionalGeneration", "MTModel")),
)
