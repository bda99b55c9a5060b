"""The TPU input pipeline, tried on CPU for every recipe: static shapes, one per length bucket."""

from pathlib import Path

import pytest
import tensorflow as tf

from tfhf.recipe.loading import apply_overrides, load_recipe
from tfhf.runtime import start as runtime
from tfhf.train import preparation
from tfhf.train.loop import epoch_batches

RECIPES = sorted(Path(__file__).resolve().parents[1].glob("recipes/*.py"))


def quiet(*_):
    pass


def tpu_pipeline(recipe_file, length_buckets, static_shapes=True):
    """(the first epoch's batches, the LengthBuckets) of a recipe shrunk to a few hundred examples, as on a TPU."""
    recipe = apply_overrides(
        load_recipe(recipe_file),
        ["data.max_train_samples=300", "data.max_eval_samples=16", f"train.length_buckets={length_buckets}"],
    )
    task = preparation.checked_task(recipe, quiet)
    runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = preparation.load_data(recipe, task, quiet)
    _, tokenizer, tokenized, _ = preparation.tokenize(recipe, task, raw, quiet)
    buckets = preparation.length_buckets(recipe, tokenized["train"], tokenizer, quiet, static=True)
    model = preparation.build(recipe, task, tokenizer, quiet, new_tokenizer=True)
    collate = task.collator(tokenizer, model, recipe.data)
    batches = epoch_batches(model, tokenized["train"], collate, 8, 0, 0, 0, buckets, static_shapes=static_shapes)
    return batches, buckets


def shape_of(batch):
    return tuple(tensor.shape for tensor in tf.nest.flatten(batch))


@pytest.mark.parametrize("recipe_file", RECIPES, ids=[path.stem for path in RECIPES])
def test_every_batch_has_one_of_the_buckets_static_shapes(recipe_file):
    batches, buckets = tpu_pipeline(recipe_file, length_buckets=4)
    shapes = {shape_of(batch) for batch in batches}
    assert len(shapes) == buckets.shapes()
    for spec, shape in zip(tf.nest.flatten(batches.element_spec), next(iter(shapes))):
        assert spec.shape[0] == 8 == shape[0]  # batch dimension static: drop_remainder
    if buckets.shapes() == 1:
        assert all(spec.shape.is_fully_defined() for spec in tf.nest.flatten(batches.element_spec))


def test_without_length_buckets_a_tpu_pads_everything_to_one_shape():
    batches, buckets = tpu_pipeline(RECIPES[0].with_name("summarization.py"), length_buckets=0)
    assert buckets.shapes() == 1
    assert all(spec.shape.is_fully_defined() for spec in tf.nest.flatten(batches.element_spec))
    assert len({shape_of(batch) for batch in batches}) == 1


def test_static_batches_are_the_live_pipelines_batches_in_its_order():
    recipe_file = RECIPES[0].with_name("question_answering.py")
    live, _ = tpu_pipeline(recipe_file, length_buckets=4, static_shapes=False)
    static, _ = tpu_pipeline(recipe_file, length_buckets=4)
    live, static = list(live), list(static)
    assert len(live) == len(static) > 10
    assert len({shape_of(batch) for batch in live}) > 1  # the order across buckets is checked too
    for live_batch, static_batch in zip(live, static):
        tf.nest.map_structure(lambda a, b: tf.debugging.assert_equal(a, b), live_batch, static_batch)
