"""A new tokenizer trained on the run's own data, for models built from scratch.

Two styles, both subword BPE learned with the `tokenizers` library:
- "sentencepiece" (text-to-text models): Marian/T5-style special tokens, <pad> (also the
  decoder start), </s> appended to every sequence, <unk>. SentencePiece-style word
  boundaries (Metaspace) make decoding restore the exact spacing, which detokenized
  metrics such as sacreBLEU need.
- "wordpiece" / "wordpiece_cased" (BERT-style encoders): WordPiece, lowercased or not
  (NER and QA keep case, as bert-base-cased does: capitals mark names), with [CLS] text [SEP],
  [PAD], [UNK] and the [MASK] token; words are whitespace/punctuation-split, so the
  fast tokenizer reports `word_ids` for whole-word masking.
- "byte_level" (GPT-2-style language models): bytes as the base alphabet, so any text,
  code included, round-trips exactly with no <unk>; one <|endoftext|> token separates
  documents and doubles as padding.
"""

import re

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

STYLES = ("sentencepiece", "byte_level", "wordpiece", "wordpiece_cased")
# BPE's training time grows with the square of a word's length: one 200,000-character
# "word" (a base64 blob, a minified line) takes minutes. No useful token is that long.
LONGEST_WORD = 1000
LONG_WORD = re.compile(rf"\S{{{LONGEST_WORD + 1},}}")


class CappedWords:
    """The texts with every word longer than LONGEST_WORD characters cut to that length; counts the cuts."""

    def __init__(self, texts):
        self.texts = texts
        self.cut = 0

    def __iter__(self):
        for text in self.texts:
            if len(text) > LONGEST_WORD:
                text, count = LONG_WORD.subn(lambda match: match.group()[:LONGEST_WORD], text)
                self.cut += count
            yield text


def train_tokenizer(texts, vocab_size, style="sentencepiece", log=None):
    """A PreTrainedTokenizerFast trained on an iterable of strings (words cut to LONGEST_WORD characters)."""
    capped = CappedWords(texts)
    tokenizer = _train(capped, vocab_size, style)
    if capped.cut and log:
        log(
            f"warning: {capped.cut} word(s) longer than {LONGEST_WORD} characters were cut to that length for the tokenizer"
        )
    return tokenizer


def _train(texts, vocab_size, style):
    if style == "byte_level":
        return _train_byte_level(texts, vocab_size)
    if style in ("wordpiece", "wordpiece_cased"):
        return _train_wordpiece(texts, vocab_size, lowercase=style == "wordpiece")
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


def _train_wordpiece(texts, vocab_size, lowercase):
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    words = pre_tokenizers.BertPreTokenizer()
    tokenizer = Tokenizer(
        models.WordPiece(_wordpiece_vocab(texts, vocab_size, special, normalizer, words), unk_token="[UNK]")
    )
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = words
    tokenizer.decoder = decoders.WordPiece()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
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


WORD_START = "\u2581"  # SentencePiece's word-start marker, absent from normalized text


def _wordpiece_vocab(texts, vocab_size, special, normalizer, words):
    """A WordPiece vocabulary ('piece' starts a word, '##piece' continues one), the same on every run.

    tokenizers' WordPieceTrainer numbers its '##' pieces in hash-map order, so equal-count
    merges break ties differently from run to run and seeded runs stop repeating. Its BPE
    trainer is deterministic when every symbol is in the (sorted) alphabet, so the merges are
    learned with BPE on words marked at their start, and the pieces are then renamed:
    '▁piece' -> 'piece', 'piece' -> '##piece'. Every character is kept in both forms, so
    no word that the training data could spell becomes [UNK].
    """
    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizer
    bpe.pre_tokenizer = pre_tokenizers.Sequence([words, pre_tokenizers.Metaspace(prepend_scheme="always")])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special, show_progress=False)
    bpe.train_from_iterator(texts, trainer=trainer)
    vocab = {}
    for piece, _ in sorted(bpe.get_vocab().items(), key=lambda item: item[1]):
        if piece in special:
            names = [piece]
        elif piece == WORD_START:
            names = []
        elif piece.startswith(WORD_START):
            names = [piece[1:]]
        elif len(piece) == 1:
            names = [piece, "##" + piece]
        else:
            names = ["##" + piece]
        for name in names:
            vocab.setdefault(name, len(vocab))
    return vocab
