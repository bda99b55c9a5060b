"""data.streaming: a language model's training split read as a stream, never held whole.

For corpora larger than memory (causal and masked LM pretraining). `datasets` streams the
rows (`load_dataset(..., streaming=True)`, an IterableDataset), shuffles them in a seeded
buffer, and the task's own preprocessing tokenizes them and cuts them into blocks as
training asks for them; `tf.data.Dataset.from_generator` hands Keras batches of those
blocks. The validation split (or, when the data has none, the stream's first
data.max_eval_samples rows, which training then skips) is read into memory, so it is
scored exactly as in any run.

The stream has no known length, so training runs train.max_steps optimizer steps; when
the stream runs out first, another pass starts, shuffled anew. The block order is a
function of the data and the seed alone, so a resumed run skips the blocks already
trained on (global step x batch) and continues exactly where the killed run stopped; the
skipped rows are read and tokenized again, which takes time in proportion to them.
"""

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfhf.data.files import data_suffix
from tfhf.errors import TfhfError, did_you_mean
from tfhf.hub_errors import hub_failure

SHUFFLE_BUFFER_ROWS = 10_000
TOKENIZER_ROWS = 20_000  # a tokenizer trained from the data learns from the stream's first rows
DEFAULT_VALIDATION_ROWS = 1_000  # held out from the stream when the data has no validation split
FINGERPRINT_ROWS = 1_000
BASELINE_BLOCKS = 10_000  # a stream's unigram baseline counts the tokens of its first blocks


def load_stream(data, log):
    """{'train': IterableDataset of raw rows, 'validation': Dataset in memory} for a data.streaming recipe."""
    from datasets import Dataset

    train = _open(data, data.train_split)
    count = data.max_eval_samples or DEFAULT_VALIDATION_ROWS
    validation = _open(data, data.validation_split, missing_ok=True)
    if validation is None:
        validation = Dataset.from_list(list(itertools.islice(train, count)))
        validation.info.description = f"held out from the stream's start (its first {len(validation)} rows)"
        train = train.skip(count)
        log(f"no split {data.validation_split!r}: the stream's first {len(validation)} rows are held out to validate")
    else:
        validation = Dataset.from_list(list(itertools.islice(validation, count)))
        validation.info.description = f"of split {data.validation_split!r} (its first {len(validation)} rows)"
    first = next(iter(train.take(1)), None)
    if first is None:
        raise TfhfError(f"the training split of {data.path} is empty")
    if data.text_column not in first:
        raise TfhfError(
            f"{data.path} has no column {data.text_column!r} (columns: {', '.join(first)}); "
            f"set data.text_column to one of them{did_you_mean(data.text_column, first)}"
        )
    log(f"streaming the training split of {data.path}: read, tokenized and cut into blocks while training runs")
    return {"train": train, "validation": validation}


def _open(data, split, missing_ok=False):
    from datasets import load_dataset

    from tfhf.data.splits import FILE_FORMATS  # datasets: imported when a stream opens, not by `tfhf predict`

    path = Path(data.path)
    try:
        if path.is_file():
            if split != data.train_split:
                return None if missing_ok else _no_split(data, split)
            if data_suffix(path) not in FILE_FORMATS:
                raise TfhfError(f"data.streaming reads {', '.join(FILE_FORMATS)} files, not {path.name}")
            builder, kwargs = FILE_FORMATS[data_suffix(path)]
            kwargs = {**kwargs, **data.load_kwargs}
            return load_dataset(builder, data_files=str(path), split="train", streaming=True, **kwargs)
        return load_dataset(data.path, data.name, split=split, streaming=True, **data.load_kwargs)
    except ValueError as error:
        if missing_ok and "split" in str(error).lower():
            return None
        raise TfhfError(f"cannot stream split {split!r} of {data.path}: {str(error).splitlines()[0]}") from None
    except Exception as error:
        failure = hub_failure(error, "dataset", data.path)
        if failure:
            raise TfhfError(failure) from None
        raise


def _no_split(data, split):
    raise TfhfError(f"{data.path} is one file, so it has no split {split!r}")


def tokenizer_rows(train, data):
    """The first rows of the stream, in memory: what a tokenizer trained from the data learns from."""
    from datasets import Dataset

    return Dataset.from_list(list(itertools.islice(train, TOKENIZER_ROWS)))


def stream_fingerprint(data, train):
    """A fingerprint of a streamed training split: a local file's size and time, else the first rows' content."""
    path = Path(data.path)
    if path.is_file():
        stat = path.stat()
        return f"file:{stat.st_size}:{stat.st_mtime_ns}"
    rows = [row[data.text_column] for row in itertools.islice(train, FINGERPRINT_ROWS)]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16]


def is_streaming(recipe):
    """Whether `recipe` streams its training split (data.streaming): the one place that reads the setting."""
    return getattr(recipe.data, "streaming", False)


def is_streamed(split):
    """Whether a training split is a stream (TokenBlocks, of unknown length, without length buckets)."""
    return isinstance(split, TokenBlocks)


class TokenBlocks:
    """A streamed training split: the task's blocks of token ids in a fixed order, from any block on."""

    def __init__(self, rows, preprocess, seed, max_steps):
        self.rows = rows  # IterableDataset of raw rows
        self.preprocess = preprocess  # rows -> IterableDataset of blocks (the task's preprocess)
        self.seed = seed
        self.max_steps = max_steps

    def blocks(self, start=0):
        """Every block from block `start` on, pass after pass over the stream, each pass shuffled anew."""
        produced = 0
        for stream_pass in itertools.count():
            rows = self.rows.shuffle(seed=self.seed + stream_pass, buffer_size=SHUFFLE_BUFFER_ROWS)  # anew each pass
            in_this_pass = 0
            for block in self.preprocess(rows):
                in_this_pass += 1
                if produced >= start:
                    yield block
                produced += 1
            if not in_this_pass:
                raise TfhfError("the streamed training split holds fewer tokens than one block: lower data.block_size")

    def head(self, count):
        """The first `count` blocks, for baselines and checks."""
        return list(itertools.islice(self.blocks(), count))


def training_token_ids(split):
    """The training blocks' token ids: all of a split in memory; of a stream, its first BASELINE_BLOCKS (a sample)."""
    if isinstance(split, TokenBlocks):
        return [block["input_ids"] for block in split.head(BASELINE_BLOCKS)]
    return split["input_ids"]


def stream_batches(blocks, collate, batch_size, first_step, steps):
    """tf.data batches of steps `first_step`..`steps` - 1: `batch_size` blocks each, collated, labels apart."""

    def batch_rows(start):
        iterator = blocks.blocks(start * batch_size)
        while True:
            rows = list(itertools.islice(iterator, batch_size))
            yield _features_and_labels(collate(rows))

    probe = next(batch_rows(0))
    signature = tuple(
        {
            key: tf.TensorSpec((None, *np.shape(value)[1:]), tf.as_dtype(np.asarray(value).dtype))
            for key, value in part.items()
        }
        if isinstance(part, dict)
        else tf.TensorSpec((None, *np.shape(part)[1:]), tf.as_dtype(np.asarray(part).dtype))
        for part in probe
    )
    batches = tf.data.Dataset.from_generator(lambda: itertools.islice(batch_rows(first_step), steps - first_step),
                                             output_signature=signature)  # fmt: skip
    return batches.prefetch(2).apply(tf.data.experimental.assert_cardinality(steps - first_step))


def _features_and_labels(batch):
    features = {key: np.asarray(value) for key, value in batch.items() if key != "labels"}
    return features, np.asarray(batch["labels"])
