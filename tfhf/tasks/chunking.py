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


def map_batches(split, function, desc, num_proc=None, remove_columns=()):
    """`split.map(function, batched=True)`: for a Dataset with a progress line and `num_proc` processes; for a
    streamed IterableDataset (tfhf.data.streaming) lazily, as it is read."""
    from datasets import IterableDataset

    if isinstance(split, IterableDataset):
        return split.map(function, batched=True, remove_columns=list(remove_columns) or None)
    return split.map(function, batched=True, remove_columns=list(remove_columns) or None, desc=desc, num_proc=num_proc)


def is_stream(split):
    from datasets import IterableDataset

    return isinstance(split, IterableDataset)
