"""Stand-ins for the Hub checkpoints the course fine-tunes, written as the Hub serves them today.

Each has the Hub id the recipes name, that model's real `model_type`, special tokens and
tokenizer file format, and random weights in PyTorch-format `model.safetensors` only (no
tf_model.h5: nearly every Hub checkpoint is like that now). With `full_size` the
architecture has the real model's dimensions and vocabulary size; without, it keeps its
type and tokenizer format but is shrunk so tests stay fast.

The tokenizers are trained here on tfhf's own bundled text, with the library each
format comes from: SentencePiece for Marian's source.spm/target.spm and mT5's
spiece.model, tokenizers' WordPiece and byte-level BPE trainers for vocab.txt and
vocab.json + merges.txt. At full size a vocabulary file is padded to the real size
with unused entries ("[unused7]", as BERT's own has), since tfhf's sample text
cannot fill 30,000 real pieces.
"""

import io
import json
import tempfile
from pathlib import Path

import numpy as np
import sentencepiece
from hub_texts import code_files, english_sentences, french_sentences
from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer

SMALL_VOCABULARY = 800


def build_models(models_root, full_size=False):
    """Writes every checkpoint stand-in under `models_root` (DIR/models); returns their ids."""
    builders = {
        "Helsinki-NLP/opus-mt-en-fr": _marian,
        "distilbert-base-uncased": _distilbert,
        "bert-base-cased": _bert,
        "google/mt5-small": _mt5,
        "gpt2": _gpt2,
        "huggingface-course/code-search-net-tokenizer": _code_tokenizer,
    }
    for repo_id, build in builders.items():
        folder = Path(models_root) / repo_id / "main"
        folder.mkdir(parents=True, exist_ok=True)
        build(folder, full_size)
    return list(builders)


def _marian(folder, full_size):
    vocabulary = {"</s>": 0, "<unk>": 1}
    for name, texts in (("source.spm", english_sentences()), ("target.spm", french_sentences())):
        model = _sentencepiece(texts, SMALL_VOCABULARY, "unigram", unk_id=1, bos_id=-1, eos_id=0, pad_id=-1)
        (folder / name).write_bytes(model)
        for piece in _pieces(model):
            vocabulary.setdefault(piece, len(vocabulary))
    size = 59514 if full_size else len(vocabulary) + 1
    while len(vocabulary) < size - 1:
        vocabulary[f"<unused{len(vocabulary)}>"] = len(vocabulary)
    vocabulary["<pad>"] = pad = len(vocabulary)
    _write_json(folder / "vocab.json", vocabulary)
    _write_json(folder / "tokenizer_config.json", {"source_lang": "en", "target_lang": "fr", "model_max_length": 512,
                "unk_token": "<unk>", "eos_token": "</s>", "pad_token": "<pad>", "separate_vocabs": False})  # fmt: skip
    dimensions = (
        {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048}
        if full_size
        else {"d_model": 32, "layers": 1, "heads": 2, "ffn": 64}
    )
    config = {
        "model_type": "marian", "architectures": ["MarianMTModel"], "vocab_size": len(vocabulary),
        "d_model": dimensions["d_model"], "encoder_layers": dimensions["layers"], "decoder_layers": dimensions["layers"],
        "encoder_attention_heads": dimensions["heads"], "decoder_attention_heads": dimensions["heads"],
        "encoder_ffn_dim": dimensions["ffn"], "decoder_ffn_dim": dimensions["ffn"], "max_position_embeddings": 512,
        "activation_function": "swish", "scale_embedding": True, "static_position_embeddings": True,
        "pad_token_id": pad, "decoder_start_token_id": pad, "eos_token_id": 0, "bos_token_id": 0,
        "bad_words_ids": [[pad]], "num_beams": 4, "max_length": 512,
    }  # fmt: skip
    _write_model(folder, "TFMarianMTModel", config)


def _distilbert(folder, full_size):
    vocabulary = _wordpiece(folder, english_sentences(), lowercase=True, size=30522 if full_size else None)
    dimensions = (
        {"dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072}
        if full_size
        else {"dim": 32, "n_layers": 1, "n_heads": 2, "hidden_dim": 64}
    )
    config = {"model_type": "distilbert", "architectures": ["DistilBertForMaskedLM"], "vocab_size": vocabulary,
              "max_position_embeddings": 512, "pad_token_id": 0, **dimensions}  # fmt: skip
    _write_model(folder, "TFDistilBertForMaskedLM", config)


def _bert(folder, full_size):
    vocabulary = _wordpiece(folder, english_sentences(), lowercase=False, size=28996 if full_size else None)
    dimensions = (
        {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}
        if full_size
        else {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64}
    )
    config = {"model_type": "bert", "architectures": ["BertForMaskedLM"], "vocab_size": vocabulary,
              "max_position_embeddings": 512, "type_vocab_size": 2, "pad_token_id": 0, **dimensions}  # fmt: skip
    _write_model(folder, "TFBertForPreTraining", config)  # the Hub's file holds the pooler and both pretraining heads


def _mt5(folder, full_size):
    texts = english_sentences() + french_sentences()
    (folder / "spiece.model").write_bytes(
        _sentencepiece(texts, SMALL_VOCABULARY, "unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    )
    _write_json(folder / "tokenizer_config.json", {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                                                   "extra_ids": 0, "additional_special_tokens": None})  # fmt: skip
    _write_json(folder / "special_tokens_map.json", {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"})
    dimensions = (
        {"d_model": 512, "d_ff": 1024, "num_layers": 8, "num_decoder_layers": 8, "num_heads": 6, "d_kv": 64}
        if full_size
        else {"d_model": 32, "d_ff": 64, "num_layers": 1, "num_decoder_layers": 1, "num_heads": 2, "d_kv": 16}
    )
    config = {"model_type": "mt5", "architectures": ["MT5ForConditionalGeneration"],
              "vocab_size": 250112 if full_size else SMALL_VOCABULARY, "feed_forward_proj": "gated-gelu",
              "tie_word_embeddings": False, "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
              "relative_attention_num_buckets": 32, **dimensions}  # fmt: skip
    _write_model(folder, "TFMT5ForConditionalGeneration", config)


def _gpt2(folder, full_size):
    vocabulary = _byte_level(folder, english_sentences(), size=50257 if full_size else None)
    dimensions = (
        {"n_embd": 768, "n_layer": 12, "n_head": 12} if full_size else {"n_embd": 32, "n_layer": 1, "n_head": 2}
    )
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocabulary, "n_positions": 1024,
              "n_ctx": 1024, "bos_token_id": vocabulary - 1, "eos_token_id": vocabulary - 1, **dimensions}  # fmt: skip
    _write_model(folder, "TFGPT2LMHeadModel", config)


def _code_tokenizer(folder, full_size):
    """The course trains this tokenizer on CodeSearchNet's Python; the Hub repo holds only the tokenizer."""
    _byte_level(folder, code_files(), size=52000 if full_size else None)


# --- tokenizer files, in each format's own library


def _sentencepiece(texts, vocab_size, model_type, **special_ids):
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=model, vocab_size=vocab_size, model_type=model_type,
        character_coverage=1.0, hard_vocab_limit=False, minloglevel=2, num_threads=1, **special_ids,
    )  # fmt: skip
    return model.getvalue()


def _pieces(model):
    processor = sentencepiece.SentencePieceProcessor(model_proto=model)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size()) if not processor.is_control(i)]


def _wordpiece(folder, texts, lowercase, size=None):
    """Writes vocab.txt and tokenizer_config.json (cased or not, as BERT's); returns the vocabulary size."""
    tokenizer = BertWordPieceTokenizer(lowercase=lowercase, strip_accents=None if not lowercase else True)
    tokenizer.train_from_iterator(texts, vocab_size=SMALL_VOCABULARY, show_progress=False,
                                  special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])  # fmt: skip
    pieces = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    lines = [piece for piece, _ in pieces]
    lines += [f"[unused{i}]" for i in range((size or 0) - len(lines))]
    (folder / "vocab.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_json(folder / "tokenizer_config.json", {"do_lower_case": lowercase, "model_max_length": 512})
    return len(lines)


def _byte_level(folder, texts, size=None):
    """Writes vocab.json + merges.txt (the end-of-text token last, as GPT-2's); returns the vocabulary size."""
    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(texts, vocab_size=SMALL_VOCABULARY, show_progress=False)
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer.save_model(scratch)
        vocabulary = json.loads(Path(scratch, "vocab.json").read_text(encoding="utf-8"))
        (folder / "merges.txt").write_bytes(Path(scratch, "merges.txt").read_bytes())
    while len(vocabulary) < (size or 0) - 1:
        vocabulary[f"<unused{len(vocabulary)}>"] = len(vocabulary)
    vocabulary["<|endoftext|>"] = len(vocabulary)
    _write_json(folder / "vocab.json", vocabulary)
    _write_json(folder / "tokenizer_config.json", {"model_max_length": 1024, "bos_token": "<|endoftext|>",
                "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "tokenizer_class": "GPT2Tokenizer"})  # fmt: skip
    return len(vocabulary)


# --- weights


def _write_model(folder, class_name, config):
    """config.json and random weights in PyTorch's model.safetensors, through tfhf's own writer."""
    import transformers

    from tfhf.model.pytorch_weights import write_pytorch_weights

    _write_json(folder / "config.json", config)
    config = dict(config)
    model_type = config.pop("model_type")
    model = getattr(transformers, class_name)(transformers.AutoConfig.for_model(model_type, **config))
    model.build_in_name_scope()
    rng = np.random.default_rng(0)
    for weight in model.weights:  # small random values, so a weight that is not loaded shows in a comparison
        weight.assign(rng.normal(0.0, 0.02, weight.shape).astype(np.float32))
    write_pytorch_weights(model, folder)


def _write_json(path, value):
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
