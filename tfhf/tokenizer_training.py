"""A new tokenizer trained on the run's own data, for models built from scratch.

Two styles, both subword BPE learned with the `tokenizers` library:
- "sentencepiece" (text-to-text models): Marian/T5-style special tokens, <pad> (also the
  decoder start), </s> appended to every sequence, <unk>. SentencePiece-style word
  boundaries (Metaspace) make decoding restore the exact spacing, which detokenized
  metrics such as sacreBLEU need.
- "wordpiece" (BERT-style masked LMs): lowercased WordPiece with [CLS] text [SEP],
  [PAD], [UNK] and the [MASK] token; words are whitespace/punctuation-split, so the
  fast tokenizer reports `word_ids` for whole-word masking.
- "byte_level" (GPT-2-style language models): bytes as the base alphabet, so any text,
  code included, round-trips exactly with no <unk>; one <|endoftext|> token separates
  documents and doubles as padding.
"""

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

STYLES = ("sentencepiece", "byte_level", "wordpiece")


def train_tokenizer(texts, vocab_size, style="sentencepiece"):
    """A PreTrainedTokenizerFast trained on an iterable of strings."""
    if style == "byte_level":
        return _train_byte_level(texts, vocab_size)
    if style == "wordpiece":
        return _train_wordpiece(texts, vocab_size)
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "</s>", "<unk>"], show_progress=False)
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


def _train_byte_level(texts, vocab_size):
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    end = "<|endoftext|>"
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=end,
        eos_token=end,
        pad_token=end,  # GPT-2 has no pad token; padded positions are masked out anyway
        model_input_names=["input_ids", "attention_mask"],
    )


def _train_wordpiece(texts, vocab_size):
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=special, show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_input_names=["input_ids", "attention_mask"],
    )
