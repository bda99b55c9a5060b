"""Peak memory of base-size training steps with and without gradient checkpointing and the chunked LM loss.

    python tools/memory_bench.py --steps 2
    python tools/memory_bench.py --only gpt2-32-chunked --steps 2

Each configuration trains in a process of its own, so each peak is its own: the model
built from transformers' default config of its architecture (BERT-base, GPT-2 small:
random weights), compiled with tfhf's optimizer and train step
(tfhf.train.preparation.compile_for_training, install_train_step) and fitted with Keras
on random token ids of one shape, every token scored. The child reports its own
`ru_maxrss` (peak resident set) before training (weights, Adam's moments, TensorFlow)
and after its steps; "training's peak" is the difference: activations, gradients and
the step's temporaries. samples/s is over the steps after the first (which traces).

The parent watches each child's resident set and the machine's available memory, and
stops the child when the machine is down to `--floor-gb` (default 1) available, so
other processes keep theirs, or when the child passes `--max-gb`; a configuration that
was stopped is tried again at the next smaller batch of its `fallback` list, and the
table says so. Prints a Markdown table and writes every number as JSON (`--json`).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BERT = {"model_type": "bert"}  # BertConfig's defaults: 12 x 768, vocabulary 30,522
GPT2 = {"model_type": "gpt2"}  # GPT2Config's defaults: 12 x 768, vocabulary 50,257, 1,024 positions

# name: (task, architecture, batch, length, train settings, smaller batches to try if it does not fit)
# train.chunked_lm_loss is on by default: the rows without "-chunked" turn it off, for transformers' step
FULL_LOGITS = {"chunked_lm_loss": False}
CHUNKED = {"chunked_lm_loss": True}
CHECKPOINTED = {"gradient_checkpointing": True}
EVALUATION = "evaluation"  # a setting of this tool, not of Train: evaluate the batches instead of training on them
CONFIGURATIONS = {
    "bert-16": ("text-classification", BERT, 16, 128, {}, ()),
    "bert-16-checkpointing": ("text-classification", BERT, 16, 128, CHECKPOINTED, ()),
    "gpt2-16": ("text-generation", GPT2, 16, 128, FULL_LOGITS, ()),
    "gpt2-16-checkpointing": ("text-generation", GPT2, 16, 128, {**FULL_LOGITS, **CHECKPOINTED}, ()),
    "gpt2-16-chunked": ("text-generation", GPT2, 16, 128, CHUNKED, ()),
    "gpt2-32": ("text-generation", GPT2, 32, 128, FULL_LOGITS, (24, 16)),
    "gpt2-32-chunked": ("text-generation", GPT2, 32, 128, CHUNKED, ()),
    "gpt2-32-chunked-checkpointing": ("text-generation", GPT2, 32, 128, {**CHUNKED, **CHECKPOINTED}, ()),
    "gpt2-32-evaluation": ("text-generation", GPT2, 32, 128, {**FULL_LOGITS, EVALUATION: True}, ()),
    "gpt2-32-evaluation-chunked": ("text-generation", GPT2, 32, 128, {**CHUNKED, EVALUATION: True}, ()),
}
RESULT = "MEMORY_BENCH_RESULT "


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def synthetic_batches(task_name, batch, length, vocabulary, steps):
    """`steps` batches of random token ids, one shape, every token (or example) scored."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    ids = rng.integers(5, vocabulary, (steps * batch, length)).astype(np.int32)
    features = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    labels = ids if task_name == "text-generation" else rng.integers(0, 2, steps * batch).astype(np.int32)
    return tf.data.Dataset.from_tensor_slices((features, labels)).batch(batch, drop_remainder=True)


def step_clock():
    """A Keras callback that keeps each training step's seconds and logged loss (`.seconds`, `.losses`)."""
    import tensorflow as tf

    class StepClock(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds, self.losses, self.started = [], [], 0.0

        def on_train_batch_begin(self, batch, logs=None):
            self.started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.seconds.append(time.perf_counter() - self.started)
            self.losses.append(float(logs["loss"]))

    return StepClock()


def child(name, batch, steps):
    """Trains configuration `name` at `batch` for `steps` steps in this process; prints its numbers as JSON."""
    task_name, architecture, _, length, settings, _ = CONFIGURATIONS[name]
    from tfhf.model.loading import build_model
    from tfhf.recipe import Model, Recipe, Runtime, TextData, Train
    from tfhf.runtime.start import configure, random_generators
    from tfhf.tasks import TASKS
    from tfhf.train.gradient_checkpointing import checkpoint_blocks
    from tfhf.train.preparation import compile_for_training, install_train_step

    task = TASKS[task_name]
    if settings.get(EVALUATION):
        return evaluation_child(name, task, architecture, batch, length, settings, steps)
    train = Train(batch_size=batch, **settings)
    recipe = Recipe(task=task_name, model=Model(config=architecture), data=TextData(path="synthetic"), train=train)
    configure(Runtime(), train.seed)  # seeds, tf.random.Generator dropout, deterministic ops: as runs
    model = build_model(task.model_class, architecture)
    random_generators(model)
    if train.gradient_checkpointing:
        checkpoint_blocks(model)
    compile_for_training(recipe, model, total_steps=steps)  # Adam's moments made here
    callbacks = install_train_step(recipe, task, model)
    before = peak_mb()
    clock = step_clock()
    batches = synthetic_batches(task_name, batch, length, model.config.vocab_size, steps)
    model.fit(batches, epochs=1, verbose=0, callbacks=[*callbacks, clock])
    timed = clock.seconds[1:] or clock.seconds
    result = {
        "name": name, "batch": batch, "length": length, "steps": steps, "settings": settings,
        "trainable_parameters": int(sum(v.shape.num_elements() for v in model.trainable_variables)),
        "peak_before_training_mb": round(before), "peak_mb": round(peak_mb()),
        "step_seconds": [round(s, 2) for s in clock.seconds], "losses": [round(x, 4) for x in clock.losses],
        "samples_per_second": round(batch * len(timed) / sum(timed), 2),
    }  # fmt: skip
    print(RESULT + json.dumps(result), flush=True)


def evaluation_child(name, task, architecture, batch, length, settings, steps):
    """An evaluation's loss over `steps` batches (tfhf.scores.token_loss, as a run evaluates); prints its peak."""
    from tfhf.model.loading import build_model
    from tfhf.recipe import Runtime
    from tfhf.runtime.start import configure
    from tfhf.scores.token_loss import summed_token_loss

    configure(Runtime(), 42)  # the training rows' seed and threads: the same weights in every row
    model = build_model(task.model_class, architecture)
    model(model.dummy_inputs, training=False)  # the weights made before the peak before evaluating is read
    before = peak_mb()
    batches = synthetic_batches(task.name, batch, length, model.config.vocab_size, steps)
    started = time.perf_counter()
    loss, tokens = summed_token_loss(model, batches, True, without_logits=settings["chunked_lm_loss"])
    seconds = time.perf_counter() - started
    result = {
        "name": name, "batch": batch, "length": length, "steps": steps, "settings": settings,
        "trainable_parameters": int(sum(v.shape.num_elements() for v in model.trainable_variables)),
        "peak_before_training_mb": round(before), "peak_mb": round(peak_mb()),
        "step_seconds": [round(seconds / steps, 2)], "losses": [round(loss / tokens, 4)],
        "samples_per_second": round(batch * steps / seconds, 2),
    }  # fmt: skip
    print(RESULT + json.dumps(result), flush=True)


def loss_speed(batch, length, rounds, steps, architecture=GPT2):
    """A language model's training step three ways, alternating in one process: transformers' own step (what
    runs use without tfhf's settings), tfhf's step with the full logits, and tfhf's step without them
    (train.chunked_lm_loss: a GPT-2's loss in chunks; a BERT or DistilBERT masked LM's on the 15% of positions
    that are masked, as the collator masks them).

    Same model, same batch; alternating rounds spread a busy moment of the machine over all
    three. The rounds also time an evaluation of `steps` batches both ways (tfhf.scores.token_loss,
    dropout off, tracing included, as each evaluation of a run traces anew). Returns {mode: [seconds per step or batch, one per round]}.
    """
    import numpy as np
    import tensorflow as tf

    from tfhf.model.loading import build_model
    from tfhf.recipe import MaskedLMData, Model, Recipe, Runtime, TextData, Train
    from tfhf.runtime.start import configure, random_generators
    from tfhf.scores.token_loss import summed_token_loss
    from tfhf.tasks import TASKS
    from tfhf.train.preparation import compile_for_training
    from tfhf.train.train_step import NEXT_TOKENS, TOKENS, AccumulatingStep

    masked = architecture["model_type"] in ("bert", "distilbert")
    task = TASKS["fill-mask" if masked else "text-generation"]
    data_part = MaskedLMData(path="synthetic") if masked else TextData(path="synthetic")
    recipe = Recipe(task=task.name, model=Model(config=architecture), data=data_part, train=Train())
    configure(Runtime(), recipe.train.seed)
    model = build_model(task.model_class, architecture)
    random_generators(model)
    compile_for_training(recipe, model, total_steps=1000)
    rng = np.random.default_rng(0)
    ids = rng.integers(5, model.config.vocab_size, (batch, length)).astype(np.int32)
    labels = np.where(rng.random(ids.shape) < 0.15, ids, -100) if masked else ids
    data = ({"input_ids": tf.constant(ids), "attention_mask": tf.ones_like(ids)}, tf.constant(labels))
    kind = TOKENS if masked else NEXT_TOKENS
    modes = {
        "transformers": tf.function(model.train_step),
        "full": tf.function(AccumulatingStep(model, 1, 0.0, kind, chunked=False)),
        "chunked": tf.function(AccumulatingStep(model, 1, 0.0, kind, chunked=True)),
    }
    shift = not masked
    evaluations = {
        "evaluation, full logits": lambda: summed_token_loss(model, [data] * steps, shift, without_logits=False),
        "evaluation, without them": lambda: summed_token_loss(model, [data] * steps, shift, without_logits=True),
    }
    seconds = {name: [] for name in [*modes, *evaluations]}
    for step in modes.values():  # tracing, untimed
        float(step(data)["loss"])
    for _ in range(rounds):
        for name, step in modes.items():
            started = time.perf_counter()
            for _ in range(steps):
                float(step(data)["loss"])
            seconds[name].append(round((time.perf_counter() - started) / steps, 4))
        for name, evaluate in evaluations.items():
            started = time.perf_counter()
            evaluate()
            seconds[name].append(round((time.perf_counter() - started) / steps, 4))
    return {"architecture": architecture, "batch": batch, "length": length, "seconds_per_step": seconds}


def resident_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def available_mb():
    with open("/proc/meminfo") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:")) / 1024


def run_child(name, batch, steps, limit_mb, floor_mb):
    """The child's result dict, or {"stopped_mb": ...} when it was stopped: past `limit_mb` resident, or the
    machine down to `floor_mb` available (other processes' memory is not this benchmark's to take)."""
    command = [sys.executable, __file__, "--child", name, "--batch", str(batch), "--steps", str(steps)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    # files, not pipes: a child blocked on a full pipe that nobody reads while it is watched would never end
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True, env=env)
        seen = 0.0
        while process.poll() is None:
            seen, left = max(seen, resident_mb(process.pid)), available_mb()
            if seen > limit_mb or left < floor_mb:
                process.kill()  # this tool's own child, by its id
                process.wait()
                return {"name": name, "batch": batch, "stopped_mb": round(seen), "available_mb": round(left)}
            time.sleep(0.1)
        stdout.seek(0)
        stderr.seek(0)
        lines = [line for line in stdout.read().splitlines() if line.startswith(RESULT)]
        if process.returncode == -9:  # the kernel's out-of-memory killer: it did not fit either
            return {"name": name, "batch": batch, "stopped_mb": round(seen), "killed": True}
        if process.returncode or not lines:
            raise SystemExit(f"{name} at batch {batch} failed ({process.returncode}):\n{stderr.read()[-3000:]}")
    return json.loads(lines[-1][len(RESULT) :])


def measure(name, steps, limit_mb, floor_mb, log):
    """The configuration's result at its batch, or at the largest of its fallback batches that fits."""
    _, _, batch, _, _, fallback = CONFIGURATIONS[name]
    tried = []
    for size in (batch, *fallback):
        started = time.perf_counter()
        result = run_child(name, size, steps, limit_mb, floor_mb)
        log(f"{name} batch {size}: {json.dumps(result)} ({time.perf_counter() - started:.0f} s)")
        if "stopped_mb" not in result:
            return {**result, "did_not_fit": tried}
        tried.append(result)
    return {"name": name, "batch": None, "did_not_fit": tried}


def table(results):
    header = (
        "| configuration | batch x length | trainable parameters | peak RSS (GB) | before training (GB) "
        "| training's peak (GB) | samples/s | loss, first step |"
    )
    rows = [
        header,
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        stopped = ", ".join(
            f"batch {t['batch']} stopped at {t['stopped_mb'] / 1024:.1f} GB"
            + (" by the kernel" if t.get("killed") else f", {t['available_mb'] / 1024:.1f} GB left on the machine")
            for t in r["did_not_fit"]
        )
        if r["batch"] is None:
            rows.append(f"| {r['name']} | did not fit: {stopped} | | | | | | |")
            continue
        note = f" ({stopped})" if stopped else ""
        rows.append(
            f"| {r['name']} | {r['batch']} x {r['length']}{note} | {r['trainable_parameters']:,} "
            f"| {r['peak_mb'] / 1024:.2f} | {r['peak_before_training_mb'] / 1024:.2f} "
            f"| {(r['peak_mb'] - r['peak_before_training_mb']) / 1024:.2f} | {r['samples_per_second']} "
            f"| {r['losses'][0]} |"
        )
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3, help="training steps per configuration (the first traces)")
    parser.add_argument("--only", default=",".join(CONFIGURATIONS), help="comma-separated configuration names")
    parser.add_argument("--max-gb", type=float, default=1e9, help="stop a child past this resident set (GB)")
    parser.add_argument(
        "--floor-gb", type=float, default=1.0, help="stop a child when the machine has less than this available (GB)"
    )
    parser.add_argument("--json", type=Path, default=Path("runs/memory-bench.json"))
    parser.add_argument(
        "--loss-speed", type=int, metavar="BATCH",
        help="instead: time a language model's step (transformers', tfhf's, without the full logits) at BATCH x 128, "
        "alternating",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="--loss-speed: alternating rounds of --steps steps")
    parser.add_argument("--architecture", type=json.loads, default=GPT2,
                        help="--loss-speed: the model's config, as JSON (GPT-2, or a BERT or DistilBERT masked LM)")  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.batch, args.steps)
    if args.loss_speed:
        return print(json.dumps(loss_speed(args.loss_speed, 128, args.rounds, args.steps, args.architecture)))
    names = args.only.split(",")
    unknown = sorted(set(names) - set(CONFIGURATIONS))
    if unknown:
        raise SystemExit(f"unknown configurations {unknown}; known: {', '.join(CONFIGURATIONS)}")
    limit_mb, floor_mb = args.max_gb * 1024, args.floor_gb * 1024

    def log(line):
        print(line, file=sys.stderr, flush=True)

    log(f"{available_mb() / 1024:.1f} GB available; a child is stopped if under {args.floor_gb} GB are left")
    results = [measure(name, args.steps, limit_mb, floor_mb, log) for name in names]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"floor_mb": round(floor_mb), "results": results}, indent=2) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
