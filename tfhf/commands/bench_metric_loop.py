"""`tfhf bench`'s metric loop: the XLA-compiled `generate` the engine evaluates with, against eager `generate`.

The comparison is per example on the same padded batches. Eager `generate` costs about
the same per decoding step whatever the batch holds (its time goes to launching ops one
by one from Python), while XLA's cost grows with the rows it computes; so the ratio
depends on the batch size as much as on XLA. `measure_at_batch_sizes` shows that
dependency: the same loop at several `eval.batch_size` values.
"""

import time
from dataclasses import replace

import numpy as np
import tensorflow as tf


def measure_metric_loop(task, model, tokenizer, recipe, tokenized_validation, eager_batches):
    """XLA `generate` (the metric loop's own XlaGenerator) over the validation split twice, and eager on a few of its batches."""
    generator = task.generator(model, tokenizer, recipe)
    sources = tokenized_validation["input_ids"]
    evaluations = []
    for _ in range(2):
        started = time.perf_counter()
        generator.generate(sources)
        evaluations.append(
            {
                "seconds": round(time.perf_counter() - started, 2),
                "compilations_so_far": generator.compilations,
                "compile_seconds_so_far": round(generator.compile_seconds, 2),
            }
        )
    batches = list(generator.batches(sources))
    chosen = [batches[i] for i in np.linspace(0, len(batches) - 1, min(eager_batches, len(batches))).astype(int)]

    def eager_generate(input_ids, attention_mask):
        model.generate(
            input_ids=tf.constant(input_ids), attention_mask=tf.constant(attention_mask), **generator.options
        )

    eager_generate(*chosen[0][1:])  # warm-up: eager generate has first-call costs too
    eager_seconds = eager_examples = xla_seconds = 0.0
    for indices, input_ids, attention_mask in chosen:
        started = time.perf_counter()
        eager_generate(input_ids, attention_mask)
        eager_seconds += time.perf_counter() - started
        started = time.perf_counter()
        generator.run_batch(input_ids, attention_mask)
        xla_seconds += time.perf_counter() - started
        eager_examples += len(indices)
    xla_per_second = len(sources) / evaluations[1]["seconds"]
    return {
        "examples": len(sources),
        "batch_size": generator.batch_size,
        "buckets": generator.buckets,
        "evaluations": evaluations,
        "xla_examples_per_second": round(xla_per_second, 1),
        "eager_batches": len(chosen),
        "eager_examples_per_second": round(eager_examples / eager_seconds, 2),
        "xla_examples_per_second_same_batches": round(eager_examples / xla_seconds, 1),
        "xla_speedup": round(eager_seconds / xla_seconds, 1),
        "bucket_count": len(generator.buckets),
    }


def measure_at_batch_sizes(task, model, tokenizer, recipe, tokenized_validation, eager_batches, batch_sizes, log):
    """The metric loop measured again at each of `batch_sizes` (eval.batch_size), each with its own compiled generator."""
    loops = []
    for batch_size in batch_sizes:
        at_size = replace(recipe, eval=replace(recipe.eval, batch_size=batch_size))
        loops.append(measure_metric_loop(task, model, tokenizer, at_size, tokenized_validation, eager_batches))
        log(describe_batch_size(loops[-1]))
    return loops


def describe_metric_loop(loop):
    first, second = loop["evaluations"]
    return (
        f"{loop['examples']} examples in {len(loop['buckets'])} buckets: first evaluation {first['seconds']} s "
        f"({first['compilations_so_far']} compilations, {first['compile_seconds_so_far']} s compiling), "
        f"second {second['seconds']} s ({second['compilations_so_far']} compilations in all); "
        f"XLA {loop['xla_examples_per_second_same_batches']} examples/s vs eager "
        f"{loop['eager_examples_per_second']} on the same {loop['eager_batches']} batches: "
        f"{loop['xla_speedup']}x"
    )


def describe_batch_size(loop):
    """One table line: the loop's whole-split XLA rate and its ratio to eager at one batch size."""
    return (
        f"  eval batch {loop['batch_size']:>4}: XLA {loop['xla_examples_per_second']} examples/s over the split, "
        f"eager {loop['eager_examples_per_second']}: XLA {loop['xla_speedup']}x eager per example"
    )
