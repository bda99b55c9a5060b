"""Length-bucketed training batches: the order, the padding, and what they save over a plain shuffle."""

import re

import numpy as np
import pytest
from datasets import Dataset

from tfhf.data.length_buckets import (
    PADDING_TOLERATED,
    LengthBuckets,
    auto_bucket_count,
    bucket_boundaries,
    example_lengths,
    padded_to_buckets,
    padded_token_counts,
)
from tfhf.train.loop import epoch_order

PAD = 1


def split_of(input_lengths, target_lengths=None):
    rng = np.random.default_rng(0)
    columns = {"input_ids": [list(rng.integers(5, 50, size=n)) for n in input_lengths]}
    if target_lengths is not None:
        columns["labels"] = [list(rng.integers(5, 50, size=n)) for n in target_lengths]
    return Dataset.from_dict(columns)


def collate(rows, with_targets=False):
    """Pads to the longest row, as transformers' collators do."""
    width = max(len(row["input_ids"]) for row in rows)
    batch = {
        "input_ids": np.array([row["input_ids"] + [PAD] * (width - len(row["input_ids"])) for row in rows]),
        "attention_mask": np.array(
            [[1] * len(row["input_ids"]) + [0] * (width - len(row["input_ids"])) for row in rows]
        ),
    }
    if with_targets:
        target_width = max(len(row["labels"]) for row in rows)
        batch["labels"] = np.array([row["labels"] + [-100] * (target_width - len(row["labels"])) for row in rows])
        batch["decoder_input_ids"] = np.full_like(batch["labels"], 7)
    return batch


def lengths(count, seed=1):
    return np.random.default_rng(seed).integers(3, 41, size=count)


def test_bucket_boundaries_are_sorted_at_most_count_and_always_include_the_longest():
    values = lengths(500)
    boundaries = bucket_boundaries(values, 6)
    assert boundaries == sorted(boundaries) and len(boundaries) <= 6
    assert boundaries[-1] == values.max()
    assert bucket_boundaries(np.array([5, 5, 5]), 8) == [5]


def test_an_epoch_is_full_batches_of_distinct_examples_and_repeats_with_its_seed():
    buckets = LengthBuckets(lengths(203), 8, PAD)
    order = buckets.epoch_order(seed=3, epoch=0, batch_size=16)
    assert len(order) == 203 // 16 * 16
    assert len(set(order.tolist())) == len(order)
    assert np.array_equal(order, buckets.epoch_order(seed=3, epoch=0, batch_size=16))
    assert not np.array_equal(order, buckets.epoch_order(seed=3, epoch=1, batch_size=16))
    assert not np.array_equal(order, buckets.epoch_order(seed=4, epoch=0, batch_size=16))


def test_batches_mix_buckets_less_than_a_plain_shuffle():
    values = lengths(640)
    buckets = LengthBuckets(values, 8, PAD)
    bucketed = buckets.epoch_order(0, 0, 32).reshape(-1, 32)
    shuffled = epoch_order(len(values), 0, 0).reshape(-1, 32)

    def wasted(batches):
        return sum(int(values[batch].max()) * len(batch) - int(values[batch].sum()) for batch in batches)

    assert wasted(bucketed) < wasted(shuffled) / 3
    # Shuffled inside buckets: batches do not arrive shortest first.
    first_lengths = [values[batch].max() for batch in bucketed]
    assert first_lengths != sorted(first_lengths)


def test_pad_brings_each_sequence_to_its_bucket_with_the_right_pad_value():
    split = split_of([3, 4, 9, 10, 20, 21], target_lengths=[2, 5, 6, 12, 13, 30])
    buckets = LengthBuckets.for_split(split, 3, PAD)
    assert buckets.target_buckets is not None
    batch = collate([split[0], split[1]], with_targets=True)
    batch["start_positions"] = np.array([0, 1])
    padded = buckets.pad(batch)
    width = next(b for b in buckets.input_buckets if b >= 4)
    target_width = next(b for b in buckets.target_buckets if b >= 5)
    assert padded["input_ids"].shape == (2, width) and padded["attention_mask"].shape == (2, width)
    assert padded["labels"].shape == (2, target_width) and padded["decoder_input_ids"].shape == (2, target_width)
    assert (padded["input_ids"][:, 4:] == PAD).all() and (padded["attention_mask"][:, 4:] == 0).all()
    assert (padded["labels"][:, 5:] == -100).all() and (padded["decoder_input_ids"][:, 5:] == PAD).all()
    assert np.array_equal(padded["input_ids"][:, :4], batch["input_ids"])
    assert np.array_equal(padded["start_positions"], [0, 1])


def test_labels_as_long_as_their_inputs_share_the_input_buckets():
    split = split_of([3, 8, 12, 30], target_lengths=[3, 8, 12, 30])  # token classification
    buckets = LengthBuckets.for_split(split, 4, PAD)
    assert buckets.target_buckets is None
    padded = buckets.pad({"input_ids": np.ones((1, 5)), "labels": np.zeros((1, 5))})
    assert padded["labels"].shape == padded["input_ids"].shape == (1, 8)


@pytest.mark.parametrize("text_to_text", [False, True])
def test_an_epoch_has_no_more_shapes_than_buckets(text_to_text):
    sources = lengths(300)
    targets = np.maximum(1, sources + np.random.default_rng(2).integers(-4, 6, size=300)) if text_to_text else None
    split = split_of(sources, targets)
    buckets = LengthBuckets.for_split(split, 5, PAD)
    assert (buckets.target_buckets is not None) == text_to_text
    order = buckets.epoch_order(0, 0, 20).reshape(-1, 20)
    shapes = set()
    for batch in order:
        padded = buckets.pad(collate([split[int(i)] for i in batch], with_targets=text_to_text))
        shapes.add((padded["input_ids"].shape, padded["labels"].shape if text_to_text else None))
    assert len(shapes) <= buckets.shapes() <= 5


def test_for_split_needs_token_lists():
    with pytest.raises(ValueError, match="input_ids"):
        LengthBuckets.for_split(Dataset.from_dict({"text": ["a"]}), 4, PAD)


def test_padded_token_counts_use_the_mask_and_text_to_text_targets():
    batch = {
        "input_ids": np.ones((2, 4)),
        "attention_mask": np.array([[1, 1, 1, 0], [1, 1, 0, 0]]),
        "labels": np.array([[5, -100], [5, 6]]),
    }
    assert padded_token_counts(batch, text_to_text=True) == (5 + 3, 8 + 4)
    assert padded_token_counts(batch, text_to_text=False) == (5, 8)  # masked LM: -100 marks unmasked tokens


def test_a_resumed_bucketed_epoch_continues_with_the_batches_the_full_epoch_had():
    from tests.helpers import tiny_translation_setup
    from tfhf.recipe import Seq2SeqData
    from tfhf.train.loop import epoch_batches

    task, tokenizer, model, rows = tiny_translation_setup(pairs=160)
    data = Seq2SeqData(path="unused", source_column="en", target_column="fr")
    split = task.preprocess(Dataset.from_list(rows), tokenizer, data)
    buckets = LengthBuckets.for_split(split, 4, tokenizer.pad_token_id)
    collate = task.collator(tokenizer, model, data)

    def batches(first_step):
        stream = epoch_batches(model, split, collate, 16, seed=7, epoch=1, first_step=first_step, buckets=buckets)
        return [(features["input_ids"].numpy(), labels.numpy()) for features, labels in stream]

    full, resumed = batches(0), batches(3)
    assert len(full) == 160 // 16 and len(resumed) == len(full) - 3
    for (inputs, labels), (resumed_inputs, resumed_labels) in zip(full[3:], resumed):
        np.testing.assert_array_equal(inputs, resumed_inputs)
        np.testing.assert_array_equal(labels, resumed_labels)
    shapes = {(inputs.shape[1], labels.shape[1]) for inputs, labels in full}
    assert shapes <= set(zip(buckets.input_buckets, buckets.target_buckets))


def long_tailed_lengths(count, seed=2):
    """Like real text: most examples short, a long tail (median about 20 tokens, a few over 150)."""
    return np.minimum(np.random.default_rng(seed).lognormal(3.0, 0.8, size=count).astype(int) + 2, 256)


def test_auto_picks_the_fewest_buckets_that_bring_padding_under_the_tolerance():
    lengths = np.minimum(long_tailed_lengths(8000), 96)  # truncated at 96 tokens, as a classifier's inputs are
    count, why = auto_bucket_count(lengths, batch_size=32)
    assert count in (2, 4, 8, 16) and "padding falls from" in why

    def waste(count):
        return 1 - lengths.sum() / padded_to_buckets(lengths, count)

    assert waste(count) < PADDING_TOLERATED or count == 16
    if count > 2:  # one step fewer would have left more padding than tolerated
        assert waste(count // 2) >= PADDING_TOLERATED


def test_auto_names_the_padding_it_saves_on_a_long_tail():
    lengths = np.append(np.random.default_rng(0).integers(5, 40, 4000), [250] * 20)  # 0.5% far longer
    count, why = auto_bucket_count(lengths, batch_size=32)
    assert count == 8  # 125 batches: 16 buckets would hold 7 each
    shuffled, bucketed = (int(share) for share in re.findall(r"(\d+)%", why))
    assert bucketed == round(100 * (1 - lengths.sum() / padded_to_buckets(lengths, 8))) and bucketed < shuffled


def test_auto_leaves_one_length_data_and_small_splits_unbucketed():
    count, why = auto_bucket_count(np.full(5000, 128), batch_size=32)  # language models' blocks
    assert count == 0 and "0% of its tokens on padding" in why
    count, why = auto_bucket_count(long_tailed_lengths(300), batch_size=32)  # 9 batches: no 2 buckets of 8
    assert count == 0 and "too few" in why


def test_auto_keeps_every_bucket_at_eight_batches_or_more():
    lengths = long_tailed_lengths(640)  # 20 batches of 32: at most 2 buckets
    assert auto_bucket_count(lengths, batch_size=32)[0] == 2


def test_example_lengths_add_text_to_text_targets_but_not_per_token_labels():
    split = split_of([3, 5], [4, 6])
    assert list(example_lengths(split)) == [7, 11]
    same = Dataset.from_dict({"input_ids": [[1, 2, 3]], "labels": [[0, 1, 0]]})  # token classification
    assert list(example_lengths(same)) == [3]


def test_auto_buckets_text_classification_by_the_data_and_leaves_other_tasks_alone():
    from tfhf.recipe.loading import apply_overrides, load_recipe
    from tfhf.train.preparation import bucket_count

    split = Dataset.from_dict({"input_ids": [[5] * int(n) for n in np.minimum(long_tailed_lengths(4000), 96)]})
    lines = []
    classification = load_recipe("recipes/text_classification.py")
    assert classification.train.length_buckets == "auto"
    assert bucket_count(classification, split, 32, lines.append) == auto_bucket_count(example_lengths(split), 32)[0] > 0
    assert lines and lines[0].startswith("train.length_buckets='auto': ")
    assert bucket_count(load_recipe("recipes/token_classification.py"), split, 32, lines.append) == 0
    assert bucket_count(apply_overrides(classification, ["train.length_buckets=0"]), split, 32, lines.append) == 0
    assert bucket_count(apply_overrides(classification, ["train.length_buckets=3"]), split, 32, lines.append) == 3


def test_length_buckets_takes_a_count_or_auto_and_names_the_key_otherwise():
    from tfhf.errors import TfhfError
    from tfhf.recipe.loading import apply_overrides, load_recipe

    recipe = load_recipe("recipes/text_classification.py")
    with pytest.raises(TfhfError, match=r"train.length_buckets expects a number or 'auto'; got 'often'"):
        apply_overrides(recipe, ["train.length_buckets=often"])
    with pytest.raises(TfhfError, match=r"train.length_buckets must be at most 256"):
        apply_overrides(recipe, ["train.length_buckets=300"])
