"""What each training-step option the stack offers does to a recipe's step, side by side on the same batches.

    python tools/train_step_options.py RECIPE [--set KEY=VALUE ...] [--steps 16] [--rounds 3]
    python tools/train_step_options.py RECIPE [--set KEY=VALUE ...] --breakdown

Every variant trains its own copy of the recipe's model (the same initial weights) on the
same batches, all of one shape (the training split padded to one length bucket, served
from tensors), so XLA compiles each step once. The variants:

- as runs train: transformers' AdamWeightDecay (tf_keras's legacy Adam: one fused update
  op per weight), one step per call, oneDNN on (TensorFlow's default on x86);
- jit_compile: the same step compiled whole with XLA (`model.compile(jit_compile=True)`);
- steps_per_execution=8: eight steps per call into TensorFlow;
- unfused Adam: tf_keras's current Adam (about ten ops per weight), which create_optimizer
  returns when train.weight_decay is 0;
- oneDNN off: the first variant in a child process started with TF_ENABLE_ONEDNN_OPTS=0
  (TensorFlow reads it at import).

Rounds alternate between the variants; each reports its median round. MFU is the model FLOPs of
the real tokens (tfhf bench's count) over the float32 matmul peak measured here.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace

SPE = 8


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--steps", type=int, default=SPE, help="steps per timed round (a multiple of 8)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only-default", action="store_true", help=argparse.SUPPRESS)  # the oneDNN-off child
    parser.add_argument("--breakdown", action="store_true", help="only time the parts of one step (see step_parts)")
    args = parser.parse_args()
    if args.breakdown:
        step_parts(args)
        return
    results = measure(args)
    if args.only_default:
        print("RESULT " + json.dumps(results["as runs train"]))
        return
    child = subprocess.run(
        [sys.executable, *sys.argv, "--only-default"],
        env={**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    off = json.loads(child.stdout.split("RESULT ", 1)[1])
    off["mfu"] *= off["peak_gflops"] / results["as runs train"]["peak_gflops"]  # against this process's peak
    results["oneDNN off (a child process)"] = off
    base = results["as runs train"]["step_seconds"]
    print(
        f"\nmatmul peak {results['as runs train']['peak_gflops']:.1f} GFLOP/s; batches {results['as runs train']['shape']}"
    )
    print("| variant | first call (s) | step (s), median of rounds | steps/s | MFU | step time / as runs train |")
    print("|---|---|---|---|---|---|")
    for name, result in results.items():
        print(
            f"| {name} | {result['first_call_seconds']:.1f} | {result['step_seconds']:.3f} "
            f"({', '.join(f'{s:.3f}' for s in result['rounds'])}) | {1 / result['step_seconds']:.2f} | "
            f"{result['mfu']:.1%} | {result['step_seconds'] / base:.2f} |"
        )


def quiet(_):
    pass


def prepared(args):
    """(recipe, task, tokenizer, tokenized train split, tfhf.train.preparation's Started) as a run prepares them, with the
    training split padded to one length bucket."""
    from tfhf.recipe.loading import apply_overrides, load_recipe
    from tfhf.runtime import distribution
    from tfhf.runtime import start as runtime
    from tfhf.train import preparation

    recipe = apply_overrides(load_recipe(args.recipe), [*args.overrides, "train.length_buckets=1"])
    task = preparation.checked_task(recipe, quiet)
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = preparation.load_data(recipe, task, quiet)
    recipe, tokenizer, tokenized, _ = preparation.tokenize(recipe, task, raw, quiet)
    train = tokenized["train"]
    started = preparation.start_runtime(recipe, distribution.plan(recipe.runtime), train, tokenizer, threads, quiet)
    return recipe, task, tokenizer, train, started


def measure(args):
    import tensorflow as tf

    from tfhf.commands import bench
    from tfhf.train import preparation
    from tfhf.train.loop import epoch_batches

    recipe, task, tokenizer, train, started = prepared(args)
    batch_size = started.batch_size
    peak = bench.matmul_peak(tf.float32)
    variants = {"as runs train": (recipe, {})}
    if not args.only_default:
        variants["jit_compile"] = (recipe, {"jit_compile": True})
        variants[f"steps_per_execution={SPE}"] = (recipe, {"steps_per_execution": SPE})
        variants["unfused Adam (train.weight_decay=0)"] = (
            replace(recipe, train=replace(recipe.train, weight_decay=0.0)),
            {},
        )
    models, batches = {}, None
    for name, (variant_recipe, options) in variants.items():
        tf.keras.utils.set_random_seed(recipe.train.seed)
        model = preparation.build(variant_recipe, task, tokenizer, log=quiet, new_tokenizer=True)
        preparation.compile_for_training(variant_recipe, model, 10_000, options.get("steps_per_execution", 1))
        if options.get("jit_compile"):
            model.compile(optimizer=model.optimizer, jit_compile=True)
        if batches is None:
            collate = task.collator(tokenizer, model, recipe.data)
            batches = epoch_batches(
                model, train, collate, batch_size, recipe.train.seed, 0, 0, started.buckets, static_shapes=True
            ).take(args.steps)
            counts = [bench.batch_counts(bench.as_one_dict(b), model.config.is_encoder_decoder) for b in batches]
            flops_per_token = bench.training_flops_per_token(model)
        first = time.perf_counter()
        model.fit(batches.take(SPE), epochs=1, verbose=0)  # traces (and compiles), then runs a few steps
        models[name] = {"model": model, "first_call_seconds": time.perf_counter() - first, "rounds": []}
        model.fit(batches, epochs=1, verbose=0)  # untimed: the first pass over the timed batches ran slower
    for _ in range(args.rounds):
        for entry in models.values():
            begun = time.perf_counter()
            entry["model"].fit(batches, epochs=1, verbose=0)
            entry["rounds"].append((time.perf_counter() - begun) / args.steps)
    results = {}
    for name, entry in models.items():
        step = statistics.median(entry["rounds"])
        rate = bench.rates(counts, step * args.steps, batch_size, flops_per_token)
        results[name] = {
            "first_call_seconds": entry["first_call_seconds"] - SPE * step,  # tracing (and compiling) only
            "rounds": entry["rounds"],
            "step_seconds": step,
            "mfu": rate["model_flops_per_second"] / peak,
            "peak_gflops": peak / 1e9,
            "shape": {key: list(value.shape) for key, value in bench.as_one_dict(next(iter(batches))).items()},
        }
    return results


def step_parts(args, repeats=10):
    """Times the parts of the recipe's step on one batch: forward, forward and backward, the optimizer's update,
    and the matmuls of the step's shapes alone, each as a share of the whole step."""
    import tensorflow as tf

    from tfhf.commands import bench
    from tfhf.train import preparation
    from tfhf.train.loop import epoch_batches

    recipe, task, tokenizer, train, started = prepared(args)
    model = preparation.build(recipe, task, tokenizer, log=quiet, new_tokenizer=True)
    optimizer = preparation.compile_for_training(recipe, model, 10_000)
    collate = task.collator(tokenizer, model, recipe.data)
    batch = next(iter(epoch_batches(model, train, collate, started.batch_size, 0, 0, 0, started.buckets)))
    features = bench.as_one_dict(batch)
    variables = model.trainable_variables

    @tf.function(autograph=False)
    def forward():
        return model(features, training=True).loss

    @tf.function(autograph=False)
    def gradients():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(features, training=True).loss)
        return tape.gradient(loss, variables)

    zeros = [tf.zeros_like(variable) for variable in variables]

    @tf.function(autograph=False)
    def update():
        optimizer.apply_gradients(zip(zeros, variables))

    @tf.function(autograph=False)
    def step():
        update_with = gradients()
        optimizer.apply_gradients(zip(update_with, variables))

    def seconds(function):
        function()  # traced, warmed up; a tf.function call returns once its ops have run
        best = float("inf")
        for _ in range(3):
            begun = time.perf_counter()
            for _ in range(repeats):
                function()
            best = min(best, (time.perf_counter() - begun) / repeats)
        return best

    whole = seconds(step)
    parts = {
        "forward": seconds(forward),
        "forward and backward (gradients)": seconds(gradients),
        "optimizer update alone": seconds(update),
    }
    shapes = {key: list(value.shape) for key, value in features.items()}
    print(f"one step on {shapes}: {whole:.3f} s (best of 3 x {repeats}, transformers' step without Keras)")
    print("| part | seconds | share of the step |")
    print("|---|---|---|")
    for name, value in parts.items():
        print(f"| {name} | {value:.3f} | {value / whole:.0%} |")
    config = model.config
    width = next(getattr(config, key) for key in ("d_model", "hidden_size", "n_embd") if hasattr(config, key))
    inner = next((getattr(config, key) for key in ("encoder_ffn_dim", "intermediate_size", "d_ff", "n_inner")
                  if getattr(config, key, None)), 4 * width)  # fmt: skip
    # Against a large matmul run the same way (the recipe's op threads), not the two-core peak of tfhf bench
    large = bench.matmul_rate(2048, 2048, 2048)
    print(
        f"\nfloat32 matmuls alone, as a share of a 2048 x 2048 x 2048 one run the same way ({large / 1e9:.1f} GFLOP/s):"
    )
    print(f"| rows | {width} x {width} | {width} x {inner} | {inner} x {width} |")
    print("|---|---|---|---|")
    batch_rows = sorted({value.shape[0] * value.shape[1] for value in features.values() if value.ndim == 2})
    for rows in [*batch_rows, 4096]:
        shares = [
            bench.matmul_rate(rows, k, n, trials=20) / large
            for k, n in ((width, width), (width, inner), (inner, width))
        ]
        print(f"| {rows} | " + " | ".join(f"{share:.0%}" for share in shares) + " |")


if __name__ == "__main__":
    main()
