"""Tokenizing in worker processes (data.num_proc) in a process where TensorFlow has already run.

datasets.map forks its workers. A forked child has only the thread that forked it, but all
of the parent's objects. When the child's garbage collector frees one of TensorFlow's
objects left in a reference cycle (a started tf.data iterator, say), its destructor waits
for a TensorFlow thread the child does not have: the child hangs, and the parent with it,
waiting for the child's rows. A notebook's second run with data.num_proc=2 hangs this
way, and so did the test suite (tests/test_tokenized_cache.py reproduces it).

Python's own answer for fork without exec (the `gc.freeze` docs): collect in the parent,
where TensorFlow's threads still run, then freeze what is left, so that no collection in a
child ever examines an object inherited from the parent.
"""

import contextlib
import gc


@contextlib.contextmanager
def parents_objects_frozen(num_proc):
    """Around a datasets.map with `num_proc` worker processes: nothing when there is one."""
    if num_proc <= 1:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
