"""Length-bucketed training batches: examples of similar length share a batch.

A batch is padded to its longest row, so a batch that mixes a 4-token and a 30-token
example spends most of its compute on padding (the course's shuffled `prepare_tf_dataset`
does exactly this). Here each sequence column gets a few bucket lengths (quantiles of the
training data's lengths); every epoch, examples are shuffled within their bucket, cut into
batches in bucket order, and the batches are shuffled. Each batch is then padded to its
bucket's length, not just to its longest row, so the set of batch shapes stays small and
compiled functions (XLA, TPU) are reused.

The order is a function of (seed, epoch) and the lengths only, so a resumed run repeats it
(tfhf.train.loop). Batches of one length are also less varied, which can slow learning:
`train.length_buckets='auto'` buckets only the tasks whose quality held on real text
(docs/performance.md), and only as many buckets as the data's lengths call for
(`auto_bucket_count`).
"""

import numpy as np

# Sequence columns padded with something other than 0: labels are ignored by the loss at -100.
LABEL_PAD = -100
PAD_ID_KEYS = ("input_ids", "decoder_input_ids")
# Keys whose length follows the labels' when the labels are their own sequence (text-to-text).
TARGET_KEYS = ("labels", "decoder_input_ids", "decoder_attention_mask")


# 'auto': a shuffled batch that wastes less than this share of its tokens on padding is left alone, and
# bucketing stops adding buckets once the padding left is under it.
PADDING_TOLERATED = 0.10
# 'auto': each bucket holds at least this many batches, so the batches of an epoch still mix examples widely.
BATCHES_PER_BUCKET = 8
AUTO_COUNTS = (2, 4, 8, 16)


def auto_bucket_count(lengths, batch_size, seed=0):
    """(bucket count, why) for `train.length_buckets='auto'`: the fewest buckets that cut padding below
    PADDING_TOLERATED, within BATCHES_PER_BUCKET batches a bucket; 0 where a shuffle pads little already.

    `lengths` are the tokens of each example (inputs plus targets for text to text).
    """
    lengths = np.asarray(lengths)
    real = int(lengths.sum())
    batches = len(lengths) // batch_size
    shuffled = np.random.default_rng(seed).permutation(lengths)[: batches * batch_size].reshape(batches, batch_size)
    shuffle_waste = 1 - shuffled.sum() / (shuffled.max(axis=1).sum() * batch_size) if batches else 0.0
    if shuffle_waste < PADDING_TOLERATED:
        return 0, f"a shuffled batch spends {shuffle_waste:.0%} of its tokens on padding"
    allowed = [count for count in AUTO_COUNTS if batches // count >= BATCHES_PER_BUCKET]
    if not allowed:
        return 0, f"{batches} batches are too few to group into buckets of {BATCHES_PER_BUCKET} batches or more"
    for count in allowed:
        waste = 1 - real / padded_to_buckets(lengths, count)
        if waste < PADDING_TOLERATED or count == allowed[-1]:
            break
    if waste >= shuffle_waste:  # the top bucket pads to the longest example: a long tail can make it worse
        return 0, f"{count} buckets would pad {waste:.0%} of the tokens, a shuffled batch {shuffle_waste:.0%}"
    return count, f"padding falls from {shuffle_waste:.0%} of a shuffled batch's tokens to {waste:.0%}"


def padded_to_buckets(lengths, count):
    """Tokens after padding every example to the first of `count` quantile lengths that holds it."""
    boundaries = np.asarray(bucket_boundaries(lengths, count))
    return int(boundaries[np.searchsorted(boundaries, lengths)].sum())


def bucket_boundaries(lengths, count):
    """Up to `count` bucket lengths at the quantiles of `lengths`; the longest length is always one."""
    return sorted(set(quantile_lengths(lengths, count)))


def quantile_lengths(lengths, count):
    """The lengths at quantiles 1/count, 2/count, ..., 1 (each one an actual length of the data)."""
    return [int(value) for value in np.quantile(lengths, np.linspace(0, 1, count + 1)[1:], method="higher")]


def example_lengths(split):
    """Tokens of each example of a tokenized split: its inputs, plus its targets when they are a sequence of
    their own (text to text)."""
    inputs = sequence_lengths(split, "input_ids")
    targets = sequence_lengths(split, "labels")
    if targets is None or np.array_equal(targets, inputs):  # token classification's labels follow the inputs
        return inputs
    return inputs + targets


def sequence_lengths(split, column):
    """Token counts of a list column, or None when the column is missing or holds scalars."""
    if column not in split.column_names:
        return None
    values = split[column]
    if not values or not isinstance(values[0], list):
        return None
    return np.fromiter((len(value) for value in values), dtype=np.int64, count=len(values))


class LengthBuckets:
    """A few bucket lengths for the inputs (paired with target lengths for text-to-text) of one training split.

    buckets = LengthBuckets.for_split(tokenized_train, count=8, pad_id=tokenizer.pad_token_id)
    order = buckets.epoch_order(seed, epoch, batch_size)   # example indices, batch after batch
    batch = buckets.pad(collated_batch)                    # every sequence padded to its bucket

    Text-to-text examples have two lengths. Bucket k pairs the k-th quantile of the source
    lengths with the k-th quantile of the target lengths, and an example goes to the first
    bucket that holds both; so a batch has one of `count` shapes, not one per combination
    (TPUs and XLA compile once per shape).
    """

    def __init__(self, input_lengths, count, pad_id, target_lengths=None):
        self.pad_id = pad_id
        self.input_buckets = bucket_boundaries(input_lengths, count)
        self.target_buckets = None
        if target_lengths is not None:
            pairs = zip(quantile_lengths(input_lengths, count), quantile_lengths(target_lengths, count))
            self.input_buckets, self.target_buckets = [list(side) for side in zip(*sorted(set(pairs)))]
        self.example_buckets = self._bucket_of(input_lengths, target_lengths)

    @classmethod
    def for_split(cls, split, count, pad_id):
        inputs = sequence_lengths(split, "input_ids")
        if inputs is None:
            raise ValueError("length buckets need an input_ids column of token lists")
        targets = sequence_lengths(split, "labels")
        if targets is not None and np.array_equal(targets, inputs):
            targets = None  # token classification: labels follow the input tokens one to one
        return cls(inputs, count, pad_id, targets)

    def _bucket_of(self, input_lengths, target_lengths=None):
        """The first bucket that holds each length (or each pair of lengths)."""
        bucket = np.searchsorted(self.input_buckets, input_lengths)
        if self.target_buckets is not None:
            bucket = np.maximum(bucket, np.searchsorted(self.target_buckets, target_lengths))
        return bucket

    def epoch_order(self, seed, epoch, batch_size):
        """Example indices for epoch `epoch`, `batch_size` at a time; full batches only.

        Examples are sorted by bucket with a random order inside each bucket, cut into
        batches (a batch at a bucket edge takes the longer bucket), and the batches are
        shuffled.
        """
        rng = np.random.default_rng([seed, epoch])
        size = len(self.example_buckets)
        ordered = np.lexsort([rng.random(size), self.example_buckets])  # by bucket, then at random
        batches = ordered[: size // batch_size * batch_size].reshape(-1, batch_size)
        return batches[rng.permutation(len(batches))].reshape(-1)

    def pad(self, batch):
        """The collated `batch` with every sequence array padded on the right up to its bucket's lengths."""
        batch = {key: np.asarray(value) for key, value in batch.items()}
        targets_apart = self.target_buckets is not None
        widths = {
            "inputs": batch["input_ids"].shape[1],
            "targets": batch["labels"].shape[1] if targets_apart else None,
        }
        bucket = int(self._bucket_of(widths["inputs"], widths["targets"]))
        padded = {}
        for key, array in batch.items():
            if array.ndim != 2:
                padded[key] = array
                continue
            buckets = self.target_buckets if targets_apart and key in TARGET_KEYS else self.input_buckets
            width = buckets[bucket] if bucket < len(buckets) else array.shape[1]
            value = LABEL_PAD if key == "labels" else self.pad_id if key in PAD_ID_KEYS else 0
            padded[key] = np.pad(array, ((0, 0), (0, width - array.shape[1])), constant_values=value)
        return padded

    def shapes(self):
        """How many distinct padded shapes batches can have: one per bucket."""
        return len(self.input_buckets)


def padded_token_counts(batch, text_to_text):
    """(real tokens, padded tokens) of a collated batch.

    Inputs are counted through the attention mask; a text-to-text batch also counts its
    targets, whose padding is the labels' -100 (elsewhere -100 marks tokens the loss skips,
    not padding).
    """
    ids = np.asarray(batch["input_ids"])
    real = int(np.sum(batch["attention_mask"])) if "attention_mask" in batch else ids.size
    padded = ids.size
    if text_to_text:
        labels = np.asarray(batch["labels"])
        real += int(np.sum(labels != LABEL_PAD))
        padded += labels.size
    return real, padded
