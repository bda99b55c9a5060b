"""Tokenized splits come from the datasets cache on a second run, keyed by tokenizer and settings."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import tokenized_cache_file, tokenized_splits


def test_a_second_run_reuses_the_tokenized_cache_and_a_new_setting_does_not(tiny_recipe_file):
    # The first run in its own process: the cache key must not depend on anything process-local.
    code = f"from tests.helpers import tokenized_cache_file; print(tokenized_cache_file({str(tiny_recipe_file)!r}))"
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    cache_file = first.stdout.strip().splitlines()[-1]
    assert tokenized_cache_file(tiny_recipe_file) == cache_file
    assert tokenized_cache_file(tiny_recipe_file, "data.max_source_length=16") != cache_file
    assert tokenized_cache_file(tiny_recipe_file, "model.tokenizer_vocab_size=280") != cache_file


RECIPES = Path(__file__).resolve().parents[1] / "recipes"


@pytest.mark.parametrize(
    "recipe, shrink",
    [
        ("translation.py", ["data.max_train_samples=400", "data.max_eval_samples=40"]),
        ("question_answering.py", ["data.max_train_samples=300", "data.max_eval_samples=30"]),  # windows, indices
        ("causal_lm.py", ["data.max_train_samples=60", "data.max_eval_samples=10"]),  # tokenized, then grouped
    ],
)
def test_two_tokenizing_processes_give_exactly_the_splits_one_gives(recipe, shrink):
    one = tokenized_splits(RECIPES / recipe, *shrink)
    two = tokenized_splits(RECIPES / recipe, *shrink, "data.num_proc=2")
    if one["train"].cache_files:  # computed again, not read from one's cache (files read into memory have none)
        assert two["train"].cache_files != one["train"].cache_files
    for split in one:
        assert two[split].to_dict() == one[split].to_dict(), split
