"""A new tokenizer trained on the run's own data, for models built from scratch.

A subword (BPE) vocabulary learned with the `tokenizers` library, with Marian/T5-style
special tokens: <pad> (also the decoder start), </s> appended to every sequence, <unk>.
SentencePiece-style word boundaries (Metaspace) make decoding restore the exact spacing,
which detokenized metrics such as sacreBLEU need.
"""

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = ["<pad>", "</s>", "<unk>"]


def train_tokenizer(texts, vocab_size):
    """A PreTrainedTokenizerFast trained on an iterable of strings."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    eos_id = tokenizer.token_to_id("</s>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A $B </s>", special_tokens=[("</s>", eos_id)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_input_names=["input_ids", "attention_mask"],  # no token_type_ids: seq2seq/LM models take none
    )
