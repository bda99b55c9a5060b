"""Translation: text-to-text, scored with corpus sacreBLEU."""

from tfhf.metrics import bleu
from tfhf.tasks.seq2seq import Seq2SeqTask

TRANSLATION = Seq2SeqTask(name="translation", metric=bleu, headline="bleu")
