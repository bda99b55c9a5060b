"""Tiny models and tokenizers built locally, shared by the tests that need TensorFlow."""

from tests.conftest import TINY_MARIAN, sample_pairs
from tfhf.model_loading import build_model
from tfhf.tasks import TASKS
from tfhf.tokenizer_training import train_tokenizer


def tiny_translation_setup(pairs=200):
    """(task, tokenizer, model, pairs): a freshly initialised 16-wide Marian and its BPE tokenizer."""
    task = TASKS["translation"]
    rows = sample_pairs(pairs)
    tokenizer = train_tokenizer((text for row in rows for text in row.values()), vocab_size=300)
    model = build_model(task.model_class, TINY_MARIAN, **task.special_token_ids(tokenizer))
    model.build_in_name_scope()
    return task, tokenizer, model, rows
