"""HF's own TF example steps against `tfhf run`: the same real checkpoint, examples and settings, interleaved.

    python tools/peer_bench.py CORPUS.jsonl [--train 3000] [--validation 500] [--pairs 2]
        [--max-length 176] [--batch-size 32] [--lr 5e-5] [--epochs 1] [--seed 42]
        [--text-column body] [--label-column library]
        [--set KEY=VALUE ...] [--tfhf NAME=KEY=VALUE ...] [--keep DIR]

    # the issue's setup (3,000 texts, 8 classes, 1 epoch), 2 pairs of 3 configurations: 6 runs
    python tools/peer_bench.py DIR/docstring_libraries.jsonl --tfhf buckets16=train.length_buckets=16

CORPUS is a classification corpus in JSON lines, e.g. docstring_libraries.jsonl of a corpus
built by `python tools/real_data.py build DIR` (columns `body` and `library`, 8 libraries).
It is shuffled once (--seed) and cut into --train and --validation examples, written as
train.jsonl and validation.jsonl (columns `text` and `label`), which both pipelines read:
they see exactly the same examples. The model is sentence-transformers/all-MiniLM-L6-v2
(tools/real_checkpoints.py).

Each pair runs every configuration once, in this order, each in a fresh process:
- "HF TF example steps": the steps of HF's TF examples (run_text_classification.py, the
  course's chapter 3 TF track): tokenize with `datasets.map` (truncation, max length),
  `model.prepare_tf_dataset(shuffle=True, collate_fn=DataCollatorWithPadding)`,
  `create_optimizer(init_lr, num_train_steps, num_warmup_steps=0)`, `model.compile(optimizer)`
  (the model's own loss), `model.fit`, then accuracy on the validation examples;
- "tfhf run (defaults)": `tfhf run recipes/text_classification.py` on the same files and settings;
- each `--tfhf NAME=KEY=VALUE`: one more tfhf configuration called NAME, with that setting
  added (repeat the option with the same NAME for several settings), e.g.
  `--tfhf buckets16=train.length_buckets=16`. `--set KEY=VALUE` goes to every tfhf configuration.

The checkpoint must be converted first: its folder holds PyTorch-format model.safetensors
only, and HF's TF `from_pretrained` cannot load those on transformers 4.55-4.57
(huggingface/transformers#40028, won't fix), so HF's example cannot start from it. The
tool loads it once with tfhf's loader as the base TFAutoModel and saves it with its
tokenizer as tf_model.h5 in a scratch folder; the HF side loads that folder with a new
classification head, as the example would. The tfhf side loads the original folder.

Samples/s is measured the same way on both sides, as tfhf's metrics.json measures it
(tfhf/run/fit.py): training steps x batch size (the last partial batch is dropped on both
sides) over the time from Keras's on_train_begin to on_train_end, first-step tracing
included; tokenizing, loading, evaluating and saving are not in it.

Matched: examples, checkpoint weights, tokenizer, max length (truncation, dynamic padding
to each batch's longest row), batch size, epochs, seed value, the optimizer (tfhf's is the
same `create_optimizer`: Adam, linear decay to 0, warmup 0, weight decay 0, no clipping),
transformers' own train_step and loss, float32, TensorFlow's default threads.
Left as each pipeline does it (tfhf's defaults are what is measured):
- tfhf enables TensorFlow's op determinism (runtime.deterministic) and tf_keras's
  tf.random.Generator dropout; the HF steps do neither (try `--tfhf nondet=runtime.deterministic=False`);
- tfhf makes Adam's slot variables before fit and traces the step without AutoGraph;
  the HF steps make them in the first step, inside the timed fit;
- tfhf adds its callbacks (progress log, TensorBoard scalars, an epoch-end checkpoint,
  whose time it leaves out of its figure) and builds each epoch's tf.data pipeline inside its timing;
- the shuffled order, the new head's initial weights and the dropout masks differ (same
  seed value, different code drawing from it), so accuracies differ by chance too;
- before its timed fit, tfhf checks one batch (train.preflight: a forward pass, then 20
  optimizer steps on 8 of its rows, the weights put back after) and scores baselines
  (tf-idf + logistic regression), so TensorFlow's kernels are warm when its
  first timed step runs; the HF steps' first step is the process's first (try
  `--tfhf nopreflight=train.preflight=False`). That weighs most in short runs.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HF_SIDE = "HF TF example steps"
TFHF_DEFAULTS = "tfhf run (defaults)"
EVAL_BATCH_SIZE = 64  # tfhf's eval.batch_size default, used on both sides


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--train", type=int, default=3000, help="training examples")
    parser.add_argument("--validation", type=int, default=500, help="validation examples")
    parser.add_argument("--pairs", type=int, default=2, help="rounds of every configuration, interleaved")
    parser.add_argument("--max-length", type=int, default=176)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--text-column", default="body")
    parser.add_argument("--label-column", default="library")
    parser.add_argument("--set", dest="extra", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tfhf", action="append", default=[], metavar="NAME=KEY=VALUE")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (logs, runs), not a scratch one")
    parser.add_argument("--hf-side", type=Path, help=argparse.SUPPRESS)  # child: run the HF steps, write this JSON
    parser.add_argument("--convert", action="store_true", help=argparse.SUPPRESS)  # child: convert the checkpoint
    return parser.parse_args(argv)


def split_corpus(corpus, train, validation, seed, text_column, label_column):
    """(train rows, validation rows) as {"text", "label"} dicts: one seeded shuffle of `corpus`, then a cut."""
    with open(corpus) as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    if len(rows) < train + validation:
        raise SystemExit(f"{corpus} has {len(rows)} examples, fewer than --train {train} + --validation {validation}")
    random.Random(seed).shuffle(rows)
    chosen = [{"text": row[text_column], "label": row[label_column]} for row in rows[: train + validation]]
    return chosen[:train], chosen[train:]


def write_splits(folder, train_rows, validation_rows):
    """train.jsonl and validation.jsonl in `folder`; refuses validation labels that training never shows."""
    unseen = {row["label"] for row in validation_rows} - {row["label"] for row in train_rows}
    if unseen:
        raise SystemExit(f"validation labels absent from the training examples: {sorted(unseen)}; use more --train")
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train", train_rows), ("validation", validation_rows)):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return folder


def tfhf_configurations(args, splits):
    """{name: the --set settings of its `tfhf run`}: the defaults, then each --tfhf NAME with its settings added."""
    from real_checkpoints import fetch

    base = [
        f"data.path={str(splits)!r}", f"model.checkpoint={str(fetch())!r}", "data.text_column='text'",
        "data.label_column='label'", f"data.max_length={args.max_length}", f"train.batch_size={args.batch_size}",
        f"train.learning_rate={args.lr}", f"train.epochs={args.epochs}", f"train.seed={args.seed}",
        "train.warmup_ratio=0.0", "train.weight_decay=0.0", "data.predict_texts=()", "eval.each_epoch=False",
        "eval.best_metric=None", "eval.before_training=False", f"eval.batch_size={EVAL_BATCH_SIZE}", *args.extra,
    ]  # fmt: skip
    configurations = {TFHF_DEFAULTS: base}
    for option in args.tfhf:
        name, separator, setting = option.partition("=")
        if not separator or "=" not in setting:
            raise SystemExit(f"--tfhf {option}: expected NAME=KEY=VALUE")
        configurations.setdefault(f"tfhf {name}", list(base)).append(setting)
    return configurations


def child_environment():
    """The environment of every child: this checkout's tfhf first on the path, Keras 2 as transformers needs."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_child(command, log_file):
    """Runs `command` with its output in `log_file`; exits with the log's end if it fails."""
    with open(log_file, "w") as log:
        child = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=child_environment(), check=False)
    if child.returncode:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{Path(log_file).read_text()[-3000:]}")


def tool_command(args, work, *mode):
    """This tool in a child process, with the benchmark's settings and the child's `mode` options."""
    settings = [f"--max-length={args.max_length}", f"--batch-size={args.batch_size}", f"--lr={args.lr}",
                f"--epochs={args.epochs}", f"--seed={args.seed}"]  # fmt: skip
    return [sys.executable, str(Path(__file__).resolve()), str(work), *settings, *mode]


def run_hf_side(args, work, label):
    """One run of the HF steps in a fresh process: {samples_per_second, accuracy, seconds}."""
    result = work / "runs" / f"{label}.json"
    run_child(tool_command(args, work, f"--hf-side={result}"), result.with_suffix(".log"))
    return json.loads(result.read_text())


def run_tfhf_side(settings, work, label):
    """One `tfhf run` in a fresh process: {samples_per_second, accuracy, seconds} from its metrics.json."""
    output = work / "runs" / label
    command = [sys.executable, "-m", "tfhf.cli", "run", str(ROOT / "recipes" / "text_classification.py"),
               "--output-dir", str(output), *(f"--set={setting}" for setting in settings)]  # fmt: skip
    run_child(command, output.with_suffix(".log"))
    metrics = json.loads((output / "metrics.json").read_text())
    train = metrics["train"]
    return {"samples_per_second": train["samples_per_second"], "accuracy": metrics["after"]["accuracy"],
            "seconds": train["seconds"]}  # fmt: skip


def convert_checkpoint(work):
    """Child: the checkpoint loaded by tfhf's loader as the base TFAutoModel, saved as tf_model.h5 with its tokenizer."""
    from real_checkpoints import fetch
    from transformers import AutoTokenizer, TFAutoModel

    from tfhf.model.loading import load_checkpoint

    source, destination = fetch(), work / "model"
    model, _ = load_checkpoint(TFAutoModel, str(source))
    model.save_pretrained(destination, safe_serialization=False)  # tf_model.h5: what HF's from_pretrained can read
    AutoTokenizer.from_pretrained(source).save_pretrained(destination)
    print(f"converted {source} to {destination}")


def hf_tokenized(tokenizer, splits, max_length):
    """The splits tokenized with `datasets.map` (truncated, unpadded), labels as ids; and the label names."""
    from datasets import load_dataset

    raw = load_dataset("json", data_files={name: str(splits / f"{name}.jsonl") for name in ("train", "validation")})
    names = sorted(set(raw["train"]["label"]))  # as tfhf: the distinct string labels of the training split, sorted
    ids = {name: index for index, name in enumerate(names)}

    def tokenize(batch):
        return {
            **tokenizer(batch["text"], truncation=True, max_length=max_length),
            "labels": [ids[label] for label in batch["label"]],
        }

    return raw.map(tokenize, batched=True, remove_columns=["text", "label"]), names


def fit_clock():
    """A Keras callback timing fit as tfhf does (on_train_begin to on_train_end) and counting its steps."""
    from transformers.modeling_tf_utils import keras  # the Keras transformers' TF models are built on

    class FitClock(keras.callbacks.Callback):
        steps, seconds = 0, 0.0

        def on_train_begin(self, logs=None):
            self.started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1

        def on_train_end(self, logs=None):
            self.seconds = time.perf_counter() - self.started

    return FitClock()


def hf_model(folder, names):
    """The converted checkpoint with a new classification head of len(`names`) labels, as the example loads it."""
    from transformers import TFAutoModelForSequenceClassification

    return TFAutoModelForSequenceClassification.from_pretrained(
        folder, num_labels=len(names), id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)}
    )


def hf_accuracy(model, validation_split, collator):
    """The share of `validation_split`'s examples whose highest logit is their label."""
    import numpy as np

    batches = model.prepare_tf_dataset(validation_split, shuffle=False, batch_size=EVAL_BATCH_SIZE, collate_fn=collator)
    predicted = np.argmax(model.predict(batches, verbose=0)["logits"], axis=-1)
    return float(np.mean(predicted == np.array(validation_split["labels"])))


def hf_side(args, work, result):
    """Child: HF's TF example steps on the splits, from the converted checkpoint; writes `result` (JSON)."""
    from transformers import AutoTokenizer, DataCollatorWithPadding, create_optimizer, set_seed

    set_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(work / "model")
    tokenized, names = hf_tokenized(tokenizer, work / "splits", args.max_length)
    model = hf_model(work / "model", names)
    collator = DataCollatorWithPadding(tokenizer, return_tensors="tf")
    train = model.prepare_tf_dataset(tokenized["train"], shuffle=True, batch_size=args.batch_size, collate_fn=collator)
    optimizer, _ = create_optimizer(init_lr=args.lr, num_train_steps=len(train) * args.epochs, num_warmup_steps=0)
    model.compile(optimizer=optimizer)  # no loss: the model's own
    clock = fit_clock()
    model.fit(train, epochs=args.epochs, callbacks=[clock], verbose=2)
    accuracy = hf_accuracy(model, tokenized["validation"], collator)
    samples = clock.steps * args.batch_size
    Path(result).write_text(json.dumps({"samples_per_second": round(samples / clock.seconds, 1),
                                        "accuracy": accuracy, "seconds": round(clock.seconds, 2)}))  # fmt: skip


def print_row(pair, name, measured):
    print(f"| {pair} | {name} | {measured['samples_per_second']:.1f} | {measured['accuracy']:.4f} | "
          f"{measured['seconds']:.1f} |", flush=True)  # fmt: skip


def summary(rows):
    """Markdown lines: per configuration, the median samples/s, the mean accuracy and the median per-pair ratio
    to the HF steps. `rows` are (pair, configuration, measured) in run order."""
    by_name = {}
    for pair, name, measured in rows:
        by_name.setdefault(name, {})[pair] = measured
    hf = by_name[HF_SIDE]
    lines = ["| pipeline | median samples/s | mean accuracy | median ratio to HF (per pair) |", "|---|---|---|---|"]
    for name, runs in by_name.items():
        speeds = [measured["samples_per_second"] for measured in runs.values()]
        ratios = [runs[pair]["samples_per_second"] / hf[pair]["samples_per_second"] for pair in runs if pair in hf]
        accuracy = statistics.mean(measured["accuracy"] for measured in runs.values())
        ratio = "1" if name == HF_SIDE else f"{statistics.median(ratios):.2f}"
        lines.append(f"| {name} | {statistics.median(speeds):.1f} | {accuracy:.4f} | {ratio} |")
    return lines


def prepare(args, work):
    """The splits and the converted checkpoint in `work`; returns {configuration: its runner}."""
    train_rows, validation_rows = split_corpus(
        args.corpus, args.train, args.validation, args.seed, args.text_column, args.label_column
    )
    splits = write_splits(work / "splits", train_rows, validation_rows)
    (work / "runs").mkdir(parents=True, exist_ok=True)
    print(f"{len(train_rows)} training and {len(validation_rows)} validation examples from {args.corpus}")
    print("converting the checkpoint to tf_model.h5 first: HF's TF from_pretrained cannot load its PyTorch-format "
          "model.safetensors on transformers 4.55-4.57 (huggingface/transformers#40028); tfhf loads it as it is")  # fmt: skip
    run_child(tool_command(args, work, "--convert"), work / "convert.log")
    runners = {HF_SIDE: lambda label: run_hf_side(args, work, label)}
    for name, settings in tfhf_configurations(args, splits).items():
        runners[name] = lambda label, settings=settings: run_tfhf_side(settings, work, label)
    return runners


def benchmark(args, work):
    """Every configuration `args.pairs` times, interleaved (A B A B), one table row each as it finishes."""
    runners = prepare(args, work)
    print(f"\n{args.train} examples x {args.epochs} epoch(s), batch {args.batch_size}, lr {args.lr}, "
          f"max length {args.max_length}; samples/s = steps x batch / fit time (first-step tracing included)\n")  # fmt: skip
    print("| pair | pipeline | samples/s | accuracy | fit s |\n|---|---|---|---|---|", flush=True)
    rows = []
    for pair in range(1, args.pairs + 1):
        for index, (name, runner) in enumerate(runners.items()):
            measured = runner(f"pair{pair}-config{index}")
            rows.append((pair, name, measured))
            print_row(pair, name, measured)
    print("\n" + "\n".join(summary(rows)))


def main():
    args = parse_args()
    if args.convert:
        return convert_checkpoint(args.corpus)  # children get the work folder in place of the corpus
    if args.hf_side:
        return hf_side(args, args.corpus, args.hf_side)
    if args.keep:
        return benchmark(args, args.keep.resolve())
    with tempfile.TemporaryDirectory(prefix="peer_bench-") as scratch:
        benchmark(args, Path(scratch))


if __name__ == "__main__":
    main()
