"""`tfhf bench RECIPE`: what training, the input pipeline and the metric loop achieve on this machine.

Every number comes from one process, on the recipe's own model and data, through the
functions `tfhf run` uses (tfhf.train.preparation, the same global batch, training.epoch_batches,
generation.XlaGenerator); nothing here is a faster path than a run takes.

- training, twice from the same initial weights: the course's pipeline ("baseline":
  `prepare_tf_dataset` with the task's collator, shuffled, each batch padded to its
  longest row, compiled with Keras's defaults, transformers' train_step) and tfhf's
  length-bucketed batches (train.length_buckets, or 16 buckets when the recipe leaves
  bucketing off) with the recipe's train.steps_per_execution and the step `tfhf run`
  installs. Timed after `warmup` steps, in rounds of one epoch
  (by default) that alternate between the two: samples/s, target tokens/s, steps/s, and
  real/padded tokens (padding efficiency). Throughput only: how bucketing changes what a
  run learns is measured by running the recipe both ways.
- the input pipeline alone: batches/s from tokenized examples to padded tensors.
- the run's training step alone and in the run's loop, and the gap (tfhf.commands.bench_step).
- model FLOP utilisation: training FLOPs/s (6 x parameters used in matmuls x real tokens,
  the output layer over the vocabulary x the positions the loss scores) over the peak of a
  large float matmul measured in the same process.
- the metric loop (generating tasks): examples/s of the XLA-compiled `generate` over two
  evaluations against eager `generate` on the same batches, and the XLA compilations
  and compile time (tfhf.commands.bench_metric_loop); with --eval-batch-sizes, the same at other
  eval.batch_size values, since the ratio depends on the batch size.
"""

import functools
import math
import platform
import time
from dataclasses import replace

import numpy as np
import tensorflow as tf

from tfhf.commands.bench_matmul import matmul_peak, matmul_rate  # noqa: F401 (matmul_rate: tools use it from here)
from tfhf.commands.bench_metric_loop import (
    describe_batch_size,
    describe_metric_loop,
    measure_at_batch_sizes,
    measure_metric_loop,
)
from tfhf.commands.bench_step import describe_training_step, report_training_step
from tfhf.data.length_buckets import LABEL_PAD, padded_token_counts
from tfhf.data.streaming import is_streaming
from tfhf.errors import TfhfError
from tfhf.log_format import banner
from tfhf.runtime import distribution
from tfhf.runtime import start as runtime
from tfhf.train import preparation
from tfhf.train.loop import epoch_batches, step_plan

EMBEDDING_NAMES = ("embed", "shared", "wte", "wpe")  # variables that are looked up, not multiplied


MODES = ("baseline", "tfhf")
BENCH_BUCKETS = 16  # train.length_buckets measured when the recipe leaves bucketing off


def run_benchmark(recipe, steps=None, warmup=10, rounds=3, eager_batches=3, eval_batch_sizes=(), log=print):
    """Measures the recipe's training and metric loop; returns the results as a dict.

    Training is timed in `rounds` rounds that alternate between the two pipelines, each
    round `steps` steps of each (by default one epoch, so both pipelines are timed on the
    same examples: a window of shorter examples would have fewer tokens per step), and a
    slow moment of the machine hits both; the round with the median target tokens/s of
    each pipeline is reported. Round r times the stream's batches r*steps to (r+1)*steps
    after `warmup` steps run (untimed) to trace the training step. `eval_batch_sizes`: more
    eval.batch_size values to time the metric loop at, beside the recipe's.
    """
    task = preparation.checked_task(recipe, log)
    if is_streaming(recipe):  # it compares whole epochs of two in-memory pipelines
        raise TfhfError(
            "tfhf bench times in-memory training splits: run it with --set data.streaming=False --set train.max_steps=0"
        )
    planned = distribution.plan(recipe.runtime)
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = preparation.load_data(recipe, task, log)
    recipe, tokenizer, tokenized, _ = preparation.tokenize(recipe, task, raw, log)
    train = tokenized["train"]
    own_recipe = recipe  # the training-step figures take the recipe's own length buckets
    # the buckets the run would use ('auto' resolved at its global batch), or what bucketing would give, were it on
    batch = planned.global_batch(recipe.train) if planned.replicas else recipe.train.batch_size
    count = preparation.bucket_count(recipe, train, batch, log) or BENCH_BUCKETS
    recipe = replace(recipe, train=replace(recipe.train, length_buckets=count))
    started = preparation.start_runtime(recipe, planned, train, tokenizer, threads, log)
    buckets, batch_size = started.buckets, started.batch_size
    description = runtime.describe(started.planned, tf.keras.mixed_precision.global_policy().name, threads)
    steps = steps or len(train) // batch_size
    total = max(warmup, rounds * steps)

    banner(log, "Matmul peak")
    compute_dtype = tf.keras.mixed_precision.global_policy().compute_dtype
    peak = matmul_peak(compute_dtype)
    log(f"{peak / 1e9:.1f} GFLOP/s ({compute_dtype} matmul, 2048 x 2048)")

    models, streams, counts, results, step_callbacks = build_pipelines(recipe, task, tokenizer, train, started,
                                                                       total, log)  # fmt: skip
    timed = time_training(models, streams, step_callbacks, counts, results, recipe.train.seed, steps, warmup, rounds,
                          batch_size, peak, log)  # fmt: skip
    for mode in MODES:
        median = sorted(timed[mode], key=lambda rate: rate["target_tokens_per_second"])[rounds // 2]
        results[mode].update(median, rounds=timed[mode])
    if buckets:
        results["tfhf"]["length_buckets"] = {"inputs": buckets.input_buckets, "targets": buckets.target_buckets}
    results = summary(results, task, batch_size, description, peak, warmup, steps, rounds)
    results["training_step"] = report_training_step(own_recipe, task, tokenizer, train, started, steps, warmup,
                                                    rounds, log)  # fmt: skip
    if task.scores_by_generating:
        results.update(time_metric_loops(task, models["tfhf"], tokenizer, recipe, tokenized["validation"],
                                         eager_batches, eval_batch_sizes, log))  # fmt: skip
    return results


def build_pipelines(recipe, task, tokenizer, train, started, total, log):
    """Both pipelines' models (the same initial weights), batch streams, batch counts, input figures and the
    callbacks of their training steps."""
    strategy, buckets, batch_size = started.strategy, started.buckets, started.batch_size
    banner(log, "Input pipelines")
    models, streams, counts, results, step_callbacks = {}, {}, {}, {}, {}
    for mode in MODES:
        tf.keras.utils.set_random_seed(recipe.train.seed)  # the same initial weights for both
        with strategy.scope():
            models[mode] = preparation.build(recipe, task, tokenizer, log=lambda _: None, new_tokenizer=True)
            total_steps = step_plan(recipe.train, train, batch_size).total
            if mode == "baseline":  # the course: Keras's defaults and transformers' own step
                preparation.compile_for_training(recipe, models[mode], total_steps, steps_per_execution=1)
                step_callbacks[mode] = []
            else:  # the step `tfhf run` installs (chunked LM loss, accumulation, label smoothing)
                _, step_callbacks[mode] = preparation.compile_with_run_step(recipe, task, models[mode], total_steps)
        collate = task.collator(tokenizer, models[mode], recipe.data)
        streams[mode] = batch_stream(mode, models[mode], train, collate, batch_size, recipe.train.seed, buckets, total)
        counts[mode], batches_per_second = count_batches(
            streams[mode], total, recipe.train.seed, models[mode].config.is_encoder_decoder
        )
        results[mode] = {
            "pipeline_batches_per_second": round(batches_per_second, 1),
            "padding_efficiency": padding_efficiency(counts[mode]),
            "distinct_batch_shapes": len({count["shape"] for count in counts[mode]}),
            "flops_per_real_token": training_flops_per_token(models[mode]),
        }
        log(f"{mode}: {batches_per_second:.1f} batches/s, padding efficiency {results[mode]['padding_efficiency']}")
    return models, streams, counts, results, step_callbacks


def time_training(models, streams, step_callbacks, counts, results, seed, steps, warmup, rounds, batch_size, peak,
                  log):  # fmt: skip
    """{mode: [rates of each round]}: the rounds alternate between the pipelines, so a slow moment hits both."""
    banner(log, f"Training: {rounds} rounds of {steps} steps per pipeline, after {warmup} warm-up steps")
    for mode in MODES:  # traces the training step
        models[mode].fit(streams[mode]().take(warmup), epochs=1, callbacks=step_callbacks[mode], verbose=0)
    timed = {mode: [] for mode in MODES}
    for round_number in range(rounds):
        first = round_number * steps
        for mode in MODES:
            step_count, seconds = time_steps(models[mode], streams[mode], step_callbacks[mode], seed, first, steps)
            # The first step of a fit call is not timed (it starts the input pipeline): count from the second.
            timed_counts = counts[mode][first + steps - step_count : first + steps]
            timed[mode].append(rates(timed_counts, seconds, batch_size, results[mode]["flops_per_real_token"]))
            log(f"round {round_number + 1}, {mode}: {describe_rates(timed[mode][-1], peak)}")
    return timed


def time_metric_loops(task, model, tokenizer, recipe, validation, eager_batches, eval_batch_sizes, log):
    """The XLA metric loop against eager generate, at eval.batch_size and at `eval_batch_sizes`."""
    banner(log, "Metric loop: XLA generate vs eager generate")
    loop = measure_metric_loop(task, model, tokenizer, recipe, validation, eager_batches)
    log(describe_metric_loop(loop))
    results = {"metric_loop": loop}
    others = sorted(set(eval_batch_sizes) - {recipe.eval.batch_size})
    if others:
        banner(log, "Metric loop at other eval batch sizes")
        loops = measure_at_batch_sizes(task, model, tokenizer, recipe, validation, eager_batches, others, log)
        results["metric_loop_by_eval_batch_size"] = sorted([loop, *loops], key=lambda each: each["batch_size"])
    return results


def batch_stream(mode, model, train, collate, batch_size, seed, buckets, total):
    """A function making the stream of at least `total` training batches (of `batch_size`) of `mode`."""
    epochs = math.ceil(total / (len(train) // batch_size))
    if mode == "baseline":  # the course: prepare_tf_dataset shuffles and pads each batch to its longest row

        def stream():
            batches = model.prepare_tf_dataset(
                train, batch_size=batch_size, shuffle=True, drop_remainder=True, collate_fn=collate
            )
            return batches.repeat(epochs)

    else:  # what tfhf run trains on: tfhf.train.loop.epoch_batches (length-bucketed), epoch after epoch

        def stream():
            epoch_streams = [
                epoch_batches(model, train, collate, batch_size, seed, epoch, 0, buckets) for epoch in range(epochs)
            ]
            return functools.reduce(tf.data.Dataset.concatenate, epoch_streams)

    return stream


def summary(results, task, batch_size, description, peak, warmup, steps, rounds):
    """The results with the run's settings, the ratios between the pipelines and the utilisation."""
    base, ours = results["baseline"], results["tfhf"]
    return {
        "recipe_task": task.name,
        "machine": {"runtime": description, "processor": platform.processor() or platform.machine()},
        "settings": {
            "batch_size": batch_size,
            "warmup_steps": warmup,
            "steps_per_round": steps,
            "rounds": rounds,
        },
        "matmul_peak_flops": peak,
        **results,
        "speedup": {key: round(ours[key] / base[key], 2) for key in ("target_tokens_per_second", "samples_per_second")},
        "input_pipeline_headroom": round(ours["pipeline_batches_per_second"] / ours["steps_per_second"], 1),
        "model_flop_utilisation": {mode: round(results[mode]["model_flops_per_second"] / peak, 4) for mode in MODES},
    }


class StepTimes(tf.keras.callbacks.Callback):
    """(steps done, clock) whenever Keras hands control back between steps."""

    def on_train_begin(self, logs=None):
        self.marks = []

    def on_train_batch_end(self, batch, logs=None):
        self.marks.append((batch + 1, time.perf_counter()))


def batch_counts(features, text_to_text):
    """Token counts of one batch: real and padded (inputs and text-to-text targets), targets, encoder/decoder."""
    batch = {key: value.numpy() for key, value in features.items()}
    real, padded = padded_token_counts(batch, text_to_text)
    labels = batch.get("labels")
    if labels is not None and labels.ndim == 2:
        targets = int(np.sum(labels != LABEL_PAD))
    else:
        targets = len(batch["input_ids"])  # one label per example
    decoder_tokens = targets if text_to_text else 0  # the real tokens counted beside the inputs
    return {
        "real": real,
        "padded": padded,
        "targets": targets,
        "input_tokens": real - decoder_tokens,
        "decoder_tokens": decoder_tokens,
        "shape": tuple(batch["input_ids"].shape) + (tuple(labels.shape) if text_to_text else ()),
    }


def as_one_dict(element):
    """A tf.data element as one dict: prepare_tf_dataset moves labels out of the features into y."""
    if not isinstance(element, tuple):
        return element
    features, labels = element[0], element[1]
    if isinstance(labels, dict):
        return {**features, **labels}
    return {**features, "labels": labels}


def count_batches(make_stream, total, seed, text_to_text):
    """(token counts of the first `total` batches, batches/s the pipeline delivers them at).

    The pipeline is timed alone first (counting tokens in Python would slow it), from its
    first batch on: tf.data's start-up is not throughput. Each pass makes the stream after
    seeding, as every training round does, so the baseline's shuffle gives the same
    batches in all of them.
    """
    tf.random.set_seed(seed)
    batches = iter(make_stream().take(total))
    next(batches)
    started = time.perf_counter()
    delivered = sum(1 for _ in batches)
    batches_per_second = delivered / (time.perf_counter() - started)
    tf.random.set_seed(seed)
    counts = [batch_counts(as_one_dict(element), text_to_text) for element in make_stream().take(total)]
    return counts, batches_per_second


def time_steps(model, make_stream, step_callbacks, seed, first, steps):
    """(steps timed, seconds) of `fit` on batches first..first+steps of the stream, from its first step's end."""
    timer = StepTimes()
    tf.random.set_seed(seed)
    model.fit(make_stream().skip(first).take(steps), epochs=1, callbacks=[*step_callbacks, timer], verbose=0)
    (first_done, started), (last_done, ended) = timer.marks[0], timer.marks[-1]
    return last_done - first_done, ended - started


def padding_efficiency(counts):
    return round(sum(count["real"] for count in counts) / sum(count["padded"] for count in counts), 3)


def rates(counts, seconds, batch_size, flops_per_token):
    """Throughput of the timed batches, and the model FLOPs/s they amount to (real tokens only)."""
    steps = len(counts)
    input_tokens = sum(count["input_tokens"] for count in counts)
    decoder_tokens = sum(count["decoder_tokens"] for count in counts)
    targets = sum(count["targets"] for count in counts)
    flops = (
        flops_per_token["encoder"] * input_tokens + flops_per_token["decoder"] * decoder_tokens
        + flops_per_token["head"] * targets
    )  # fmt: skip
    return {
        "steps_per_second": round(steps / seconds, 2),
        "samples_per_second": round(steps * batch_size / seconds, 1),
        "target_tokens_per_second": round(targets / seconds, 1),
        "seconds": round(seconds, 3),
        "real_input_tokens": input_tokens,
        "real_decoder_tokens": decoder_tokens,
        "model_flops_per_second": round(flops / seconds),
    }


def training_flops_per_token(model):
    """{'encoder': f, 'decoder': f, 'head': f}: training FLOPs per token, 6 x the parameters it passes through in
    matmuls: real input tokens through the encoder (the one stack of a one-stack model), real target tokens
    through the decoder.

    Embedding tables are looked up, not multiplied, so they are left out, except as the
    output layer over the vocabulary (language models): 'head', a matmul per target token,
    the positions the loss scores. For a masked LM that is the masked positions only: what the
    loss needs, whether a step runs the layer on them alone (tfhf.train.masked_lm_loss) or on
    every position, like transformers' step, whose extra work is not counted. Attention's
    score and mix products (about 12 x layers x length x width per token) are left out: under
    10% for the short inputs benchmarked here.
    """
    encoder = decoder = other = 0
    for variable in model.trainable_variables:
        name = variable.name.lower()
        if any(part in name for part in EMBEDDING_NAMES):
            continue
        size = int(np.prod(variable.shape))
        if "encoder" in name:
            encoder += size
        elif "decoder" in name:
            decoder += size
        else:
            other += size
    # A tied output layer's matrix is an embedding table, skipped above. Untied T5/mT5 heads come back as
    # the matrix itself (no layer), a trainable variable the loop above has counted already.
    output = model.get_output_embeddings()
    matrix = output.weights[0] if hasattr(output, "weights") and output.weights else None
    head = 0
    if matrix is not None and len(matrix.shape) == 2 and any(part in matrix.name.lower() for part in EMBEDDING_NAMES):
        head = int(np.prod(matrix.shape))
    if model.config.is_encoder_decoder:
        return {"encoder": 6 * encoder, "decoder": 6 * (decoder + other), "head": 6 * head}
    return {"encoder": 6 * (encoder + decoder + other), "decoder": 0, "head": 6 * head}


def describe_rates(rate, peak):
    return (
        f"{rate['samples_per_second']} samples/s, {rate['target_tokens_per_second']} target tokens/s, "
        f"{rate['steps_per_second']} steps/s, {rate['model_flops_per_second'] / 1e9:.2f} model GFLOP/s "
        f"({rate['model_flops_per_second'] / peak:.1%} of the matmul peak)"
    )


def table(results):
    """The short table printed at the end (and shown in docs/performance.md)."""
    base, ours = results["baseline"], results["tfhf"]
    peak = results["matmul_peak_flops"]
    rows = [
        ("samples/s", base["samples_per_second"], ours["samples_per_second"]),
        ("target tokens/s", base["target_tokens_per_second"], ours["target_tokens_per_second"]),
        ("steps/s", base["steps_per_second"], ours["steps_per_second"]),
        ("padding efficiency", base["padding_efficiency"], ours["padding_efficiency"]),
        ("input pipeline batches/s", base["pipeline_batches_per_second"], ours["pipeline_batches_per_second"]),
        ("distinct batch shapes", base["distinct_batch_shapes"], ours["distinct_batch_shapes"]),
        ("model FLOP utilisation", *(f"{results['model_flop_utilisation'][mode]:.2%}" for mode in MODES)),
    ]
    lines = [f"{'':28}{'baseline':>14}{'tfhf':>14}"]
    lines += [f"{name:28}{base_value!s:>14}{our_value!s:>14}" for name, base_value, our_value in rows]
    lines.append(f"target tokens/s: {results['speedup']['target_tokens_per_second']}x the baseline")
    lines.append(f"input pipeline: {results['input_pipeline_headroom']}x the batches/s training consumes")
    lines.append(f"matmul peak: {peak / 1e9:.1f} GFLOP/s")
    lines += describe_training_step(results["training_step"])
    loop = results.get("metric_loop")
    if loop:
        second = loop["evaluations"][1]
        lines.append(
            f"metric loop: XLA {loop['xla_speedup']}x eager per example; {second['compilations_so_far']} "
            f"compilations for {loop['bucket_count']} buckets over 2 evaluations "
            f"({second['compile_seconds_so_far']} s compiling)"
        )
    lines += [describe_batch_size(each) for each in results.get("metric_loop_by_eval_batch_size", [])]
    return "\n".join(lines)
