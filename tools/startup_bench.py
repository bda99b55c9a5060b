"""A fine-tune's fixed costs against the bare import, paired: how long until the first training step.

    python tools/startup_bench.py [--pairs 3]

Each pair runs, one after the other, (A) `python -c "import tensorflow, transformers"`,
timed as a whole process, and (B) `tfhf run` of the text classification recipe on the real
all-MiniLM-L6-v2 checkpoint (tools/real_checkpoints.py) with the recipe's own sample,
reading B's `startup.to_first_step` from its metrics.json: the wall seconds from B's
process start to the end of its first training step, which the run measures itself
(tfhf/runtime/startup_phases.py). A warm-up pair runs first and is not counted, so both
read their files from the page cache. Prints each pair's ratio B/A and B's phases, and the
median ratio.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from real_checkpoints import fetch

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["data.max_train_samples=256", "data.max_eval_samples=64", "train.epochs=1", "data.predict_texts=()",
         "eval.each_epoch=False", "eval.best_metric=None"]  # fmt: skip


def bare_import():
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow, transformers"], check=True, capture_output=True)
    return time.perf_counter() - started


def fine_tune_startup(checkpoint, folder):
    """(to_first_step, {phase: seconds}) of one MiniLM fine-tune."""
    settings = [*SMALL, f"model.checkpoint={str(checkpoint)!r}", "train.learning_rate=1e-4"]
    command = [sys.executable, "-m", "tfhf.cli", "run", str(ROOT / "recipes" / "text_classification.py"),
               "--output-dir", str(folder), "--restart", *(f"--set={setting}" for setting in settings)]  # fmt: skip
    ran = subprocess.run(command, capture_output=True, text=True, check=False)
    if ran.returncode:
        raise SystemExit(f"the fine-tune failed:\n{(ran.stdout + ran.stderr)[-3000:]}")
    startup = json.loads((folder / "metrics.json").read_text())["startup"]
    return startup["to_first_step"], startup["phases"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    checkpoint = fetch()
    ratios = []
    with tempfile.TemporaryDirectory() as scratch:
        for pair in range(args.pairs + 1):
            imported = bare_import()
            first_step, phases = fine_tune_startup(checkpoint, Path(scratch) / "run")
            if pair == 0:
                continue  # the warm-up pair
            ratios.append(first_step / imported)
            shown = ", ".join(f"{name} {seconds:.1f}" for name, seconds in phases.items())
            print(f"pair {pair}: import {imported:.2f} s, fine-tune to first step {first_step:.2f} s, "
                  f"{ratios[-1]:.2f}x ({shown})", flush=True)  # fmt: skip
    print(f"median ratio {statistics.median(ratios):.2f}x (range {min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
