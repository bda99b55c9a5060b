"""Concatenate tokenized texts and cut them into equal blocks (the course's `group_texts`).

Language models train on fixed-length blocks: no padding, and every token of the corpus
is seen except the remainder at the very end, shorter than one block, which is dropped.
"""


def group_texts(batch, block_size):
    """For `datasets.map(batched=True)`: every list column concatenated and cut into `block_size` pieces."""
    concatenated = {key: [item for row in rows for item in row] for key, rows in batch.items()}
    total = len(next(iter(concatenated.values()))) // block_size * block_size
    return {
        key: [values[i : i + block_size] for i in range(0, total, block_size)] for key, values in concatenated.items()
    }
