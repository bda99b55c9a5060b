"""Whole-word masking for masked-LM training and a fixed, seeded masking for evaluation.

Whole-word masking (the course's `whole_word_masking_data_collator`): a word is chosen
with probability `mlm_probability` and then every one of its subword tokens is replaced
by the mask token; labels keep the original ids at masked positions and -100 elsewhere.
Words are the runs of equal `word_ids` the tokenizer reported (-1 marks special tokens,
which are never masked). `prepare_tf_dataset` hands a collator only the columns the
model takes, so during training the word ids are recovered from the tokens themselves:
a WordPiece token starting with '##' continues the word before it.
"""

import numpy as np


class WholeWordMaskCollator:
    """Collate rows with `input_ids`, `attention_mask` and `word_ids` into a masked batch (NumPy)."""

    def __init__(self, tokenizer, mlm_probability, rng=None):
        self.mask_id = tokenizer.mask_token_id
        vocab = tokenizer.get_vocab()
        self.continues_word = np.zeros(len(tokenizer), dtype=bool)
        self.continues_word[[i for token, i in vocab.items() if token.startswith("##")]] = True
        self.special = np.zeros(len(tokenizer), dtype=bool)
        self.special[tokenizer.all_special_ids] = True
        self.pad_id = tokenizer.pad_token_id
        self.mlm_probability = mlm_probability
        # Without a generator of its own it draws from NumPy's global one, as transformers'
        # NumPy collators do, so the runtime's seed makes training masks repeat.
        self.rng = rng or np.random

    def __call__(self, rows):
        length = max(len(row["input_ids"]) for row in rows)
        input_ids = np.full((len(rows), length), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(rows), length), dtype=np.int64)
        labels = np.full((len(rows), length), -100, dtype=np.int64)
        for i, row in enumerate(rows):
            ids = np.asarray(row["input_ids"])
            input_ids[i, : len(ids)] = ids
            attention_mask[i, : len(ids)] = 1
            word_ids = row["word_ids"] if "word_ids" in row else self.word_ids(ids)
            for positions in words(word_ids):
                if self.rng.random() < self.mlm_probability:
                    labels[i, positions] = ids[positions]
                    input_ids[i, positions] = self.mask_id
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def word_ids(self, ids):
        """Word ids from WordPiece tokens: a new word at every token not starting with '##'."""
        starts = ~self.continues_word[ids] & ~self.special[ids]
        return np.where(self.special[ids], -1, np.cumsum(starts))


def words(word_ids):
    """Position lists of each word: runs of the same word id; special tokens (-1) belong to none."""
    groups, previous = [], None
    for position, word in enumerate(word_ids):
        if word == -1:
            previous = None
            continue
        if word != previous:
            groups.append([])
        groups[-1].append(position)
        previous = word
    return groups
