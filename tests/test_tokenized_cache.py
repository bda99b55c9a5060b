"""Tokenized splits come from the datasets cache on a second run, keyed by tokenizer and settings."""

import subprocess
import sys

from tests.helpers import tokenized_cache_file


def test_a_second_run_reuses_the_tokenized_cache_and_a_new_setting_does_not(tiny_recipe_file):
    # The first run in its own process: the cache key must not depend on anything process-local.
    code = f"from tests.helpers import tokenized_cache_file; print(tokenized_cache_file({str(tiny_recipe_file)!r}))"
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    cache_file = first.stdout.strip().splitlines()[-1]
    assert tokenized_cache_file(tiny_recipe_file) == cache_file
    assert tokenized_cache_file(tiny_recipe_file, "data.max_source_length=16") != cache_file
    assert tokenized_cache_file(tiny_recipe_file, "model.tokenizer_vocab_size=280") != cache_file
