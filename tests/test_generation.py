"""The XLA metric loop compiles at most once per length bucket, however many batches it runs."""

import numpy as np

from tests.helpers import tiny_translation_setup
from tfhf.model.generation import XlaGenerator, bucket_lengths


def test_bucket_lengths_always_fit_the_longest_input():
    assert bucket_lengths((16, 32, 64, 128), 40) == [16, 32, 40]
    assert bucket_lengths((8, 16), 16) == [8, 16]
    assert bucket_lengths((8,), 32) == [8, 32]


def test_compilations_stay_within_the_buckets_across_many_batches_and_two_evaluations():
    _, tokenizer, model, rows = tiny_translation_setup()
    # inputs of every length from 2 to 20 tokens, so both buckets and ragged last batches occur
    sequences = [
        tokenizer(row["en"] + " " + row["en"])["input_ids"][:length] for row, length in zip(rows, range(2, 21))
    ]
    sequences = sequences * 3  # 57 inputs
    generator = XlaGenerator(model, tokenizer, buckets=[10, 20], batch_size=4, max_new_tokens=6)
    batches = list(generator.batches(sequences))
    assert len(batches) > len(generator.buckets) * 5  # many more batches than buckets
    assert all(input_ids.shape in ((4, 10), (4, 20)) for _, input_ids, _ in batches)
    first = generator.generate(sequences)
    assert generator.compilations == 2
    second = generator.generate(list(reversed(sequences)))
    assert generator.compilations == 2  # the second evaluation compiled nothing new
    assert second == list(reversed(first))  # order kept, padding rows never leak into outputs


def test_xla_outputs_match_eager_generate():
    _, tokenizer, model, rows = tiny_translation_setup()
    sequences = [tokenizer(row["en"])["input_ids"] for row in rows[:5]]
    generator = XlaGenerator(model, tokenizer, buckets=[48], batch_size=8, max_new_tokens=6)
    xla_texts = generator.generate(sequences)
    for ids, xla_text in zip(sequences, xla_texts):
        eager = model.generate(input_ids=np.array([ids]), max_new_tokens=6, num_beams=1, do_sample=False)
        assert tokenizer.decode(eager[0], skip_special_tokens=True).strip() == xla_text


def test_generate_compiles_without_autograph_and_matches_a_converted_trace():
    import tensorflow as tf

    _, tokenizer, model, rows = tiny_translation_setup()
    sequences = [tokenizer(row["en"])["input_ids"] for row in rows[:6]]
    generator = XlaGenerator(model, tokenizer, buckets=[48], batch_size=4, max_new_tokens=6)
    texts = generator.generate(sequences)
    assert generator.autograph is False and generator.compilations == 1
    converted = XlaGenerator(model, tokenizer, buckets=[48], batch_size=4, max_new_tokens=6)
    converted._generate = tf.function(converted._python_generate, jit_compile=True)  # AutoGraph on
    assert converted.generate(sequences) == texts


def test_a_generate_that_branches_on_a_tensor_falls_back_to_autograph(monkeypatch):
    import tensorflow as tf

    _, tokenizer, model, rows = tiny_translation_setup()
    sequences = [tokenizer(row["en"])["input_ids"] for row in rows[:6]]
    sequences = [ids[:6] for ids in sequences[:3]] + sequences[3:]  # both buckets used, the short one first
    expected = XlaGenerator(model, tokenizer, buckets=[8, 48], batch_size=4, max_new_tokens=6).generate(sequences)
    original = model.generate

    def branching_generate(input_ids, **options):
        # For the long bucket only, a Python `if` on a tensor: only AutoGraph can trace it.
        if input_ids.shape[1] > 8 and tf.reduce_sum(input_ids) < 0:
            input_ids = -input_ids
        return original(input_ids=input_ids, **options)

    monkeypatch.setattr(model, "generate", branching_generate)
    generator = XlaGenerator(model, tokenizer, buckets=[8, 48], batch_size=4, max_new_tokens=6)
    assert generator.generate(sequences) == expected
    # The short bucket compiled without AutoGraph, the long one with it: both counted.
    assert generator.autograph is True and generator.compilations == 2
