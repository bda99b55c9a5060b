"""What saving checkpoints costs training at base size: none, saved in the foreground, saved in the background.

    python tools/checkpoint_bench.py --steps 24 --every 6 --rounds 2

A BERT-base classifier (transformers' BertConfig defaults: 110M parameters; with AdamW's
two moments a 1.3 GB checkpoint) trains on random token ids at a fixed shape, compiled
as tfhf compiles it (tfhf.train.preparation.compile_for_training). The same steps run three
ways, alternating in each round so a slow moment of the machine hits all three:
- "none": no checkpoint;
- "foreground": tfhf.train.checkpoints.CheckpointStore(in_background=False), a save every EVERY
  steps but the last (a save there would have no training to overlap);
- "background": the store as runs use it, the same saves.
Each mode's wall time for its STEPS steps includes waiting for its last save, so nothing
unwritten is counted as done. Reports, per mode, the median seconds and the training
time lost per save against "none", and how long each `save()` call held the training loop.
Prints one JSON object.
"""

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
from transformers import BertConfig, TFBertForSequenceClassification

from tfhf.recipe import ClassificationData, Model, Recipe
from tfhf.train.checkpoints import CheckpointStore, trainable_state
from tfhf.train.preparation import compile_for_training

MODES = ("none", "foreground", "background")


class SaveEvery(tf.keras.callbacks.Callback):
    """Saves every `every` steps, but not at the last one (a save there has no training to overlap)."""

    def __init__(self, store, state, every, steps):
        super().__init__()
        self.store, self.state, self.every, self.steps, self.step = store, state, every, steps, 0
        self.pauses = []  # seconds each save() held the training loop

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.store and self.step % self.every == 0 and self.step < self.steps:
            started = time.perf_counter()
            self.store.save(self.step, self.state, {"step": self.step})
            self.pauses.append(time.perf_counter() - started)


def timed_steps(model, state, batches, mode, every, steps, folder):
    """(wall seconds for the steps and the last save's completion, seconds each save() paused training)."""
    store = None
    if mode != "none":
        shutil.rmtree(folder, ignore_errors=True)
        store = CheckpointStore(folder, keep=1, in_background=mode == "background")
    saver = SaveEvery(store, state, every, steps)
    started = time.perf_counter()
    model.fit(batches, epochs=1, verbose=0, callbacks=[saver])
    if store:
        store.wait()
    return time.perf_counter() - started, saver.pauses


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--every", type=int, default=6, help="a checkpoint every this many steps")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--scratch", type=Path, default=None, help="where checkpoints go (default: a temporary folder)")
    args = parser.parse_args()

    tf.keras.utils.set_random_seed(0)
    config = BertConfig(num_labels=2)
    model = TFBertForSequenceClassification(config)
    rows = args.steps * args.batch_size
    ids = np.random.default_rng(0).integers(1000, config.vocab_size, (rows, args.length), dtype=np.int32)
    labels = np.random.default_rng(1).integers(0, 2, rows, dtype=np.int32)
    batches = tf.data.Dataset.from_tensor_slices({"input_ids": ids, "labels": labels}).batch(args.batch_size)
    optimizer = compile_for_training(
        Recipe("text-classification", Model(), ClassificationData()), model, total_steps=10**6
    )
    model.fit(batches.take(2), epochs=1, verbose=0)  # traced and warmed before anything is timed
    state = trainable_state(model, optimizer)
    parameters = sum(int(np.prod(variable.shape)) for variable in model.trainable_variables)

    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="tfhf-ckpt-bench-"))
    seconds, pauses = {mode: [] for mode in MODES}, {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            wall, paused = timed_steps(model, state, batches, mode, args.every, args.steps, scratch / mode)
            seconds[mode].append(wall)
            pauses[mode] += paused
    size = sum(path.stat().st_size for path in (scratch / "background").rglob("*") if path.is_file())
    shutil.rmtree(scratch, ignore_errors=True)

    saves = (args.steps - 1) // args.every
    median = {mode: statistics.median(values) for mode, values in seconds.items()}
    print(json.dumps({
        "model": f"BERT-base classifier, {parameters / 1e6:.1f}M parameters",
        "checkpoint_mb": round(size / 1e6),
        "steps": args.steps, "saves": saves, "batch_size": args.batch_size, "length": args.length,
        "seconds": {mode: [round(value, 2) for value in values] for mode, values in seconds.items()},
        "median_seconds": {mode: round(value, 2) for mode, value in median.items()},
        "median_seconds_save_paused_training": {
            mode: round(statistics.median(pauses[mode]), 2) for mode in MODES if mode != "none"
        },
        "seconds_lost_per_save": {
            mode: round((median[mode] - median["none"]) / saves, 2) for mode in MODES if mode != "none"
        },
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
