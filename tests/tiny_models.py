"""Tiny models and tokenizers built locally, shared by the tests that need TensorFlow."""

from tests.conftest import TINY_MARIAN, sample_pairs
from tfhf.model_loading import build_model
from tfhf.tasks import TASKS
from tfhf.tokenizer_training import train_tokenizer

TINY_DISTILBERT = {"model_type": "distilbert", "dim": 16, "hidden_dim": 32, "n_layers": 1, "n_heads": 2}
TINY_GPT2 = {"model_type": "gpt2", "n_embd": 16, "n_layer": 1, "n_head": 2, "n_positions": 128}


def tiny_translation_setup(pairs=200):
    """(task, tokenizer, model, pairs): a freshly initialised 16-wide Marian and its BPE tokenizer."""
    task = TASKS["translation"]
    rows = sample_pairs(pairs)
    tokenizer = train_tokenizer((text for row in rows for text in row.values()), vocab_size=300)
    model = build_model(task.model_class, TINY_MARIAN, **task.special_token_ids(tokenizer))
    model.build_in_name_scope()
    return task, tokenizer, model, rows


def save_checkpoint(folder, task_name, architecture, head):
    """A freshly initialised model of `task_name` with a tokenizer trained on the bundled pairs, as a folder."""
    task = TASKS[task_name]
    texts = [text for pair in sample_pairs(300) for text in pair.values()]
    tokenizer = train_tokenizer(iter(texts), vocab_size=300, style=task.tokenizer_style)
    model = build_model(task.model_class, {**architecture, **head}, **task.special_token_ids(tokenizer))
    model.build_in_name_scope()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
