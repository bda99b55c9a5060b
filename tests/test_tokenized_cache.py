"""Tokenized splits come from the datasets cache on a second run, keyed by tokenizer and settings."""

import os
import signal
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


# A process where TensorFlow ran leaves one of its objects in a reference cycle, then tokenizes in two forked
# processes whose garbage collection frees it: its destructor waits for a TensorFlow thread the fork does not
# have. Without tfhf.data.forking this script hangs every time (it did, in the suite's own process).
FORK_AFTER_TENSORFLOW = """
import gc
import datasets, tensorflow as tf
from tfhf.data.forking import parents_objects_frozen

class Holder:
    pass

def leave_a_started_iterator_in_a_cycle():
    holder = Holder()
    holder.itself = holder
    holder.iterator = iter(tf.data.Dataset.range(1000).prefetch(2))
    next(holder.iterator)

def collect(batch):
    gc.collect()  # what any tokenizing that allocates enough does sooner or later
    return batch

gc.disable()  # so that the cycle is still there when the workers fork
leave_a_started_iterator_in_a_cycle()
rows = datasets.Dataset.from_dict({"x": list(range(8))})
with parents_objects_frozen(2):
    mapped = rows.map(collect, batched=True, batch_size=2, num_proc=2)
print(list(mapped["x"]))
"""


def test_tokenizing_processes_forked_after_tensorflow_ran_do_not_hang():
    # a session of its own: if it hangs, its forked workers are stopped with it instead of left behind
    script = subprocess.Popen([sys.executable, "-c", FORK_AFTER_TENSORFLOW], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = script.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(script.pid, signal.SIGKILL)
        script.communicate()
        pytest.fail("tokenizing in two forked processes hung")
    assert script.returncode == 0, stderr[-3000:]
    assert stdout.strip().splitlines()[-1] == str(list(range(8)))
