"""A full fine-tune against LoRA on the real all-MiniLM-L6-v2, on real text: score, speed and memory side by side.

    python tools/lora_bench.py CORPUS.jsonl [--rank 8] [--set KEY=VALUE ...] [--lora NAME=KEY=VALUE ...]

CORPUS is a classification corpus with `text` and `label` columns (tests/test_pretrained.py
builds one from the docstrings of four standard-library packages; tools/real_data.py
builds larger ones). Each configuration is one `tfhf run` of the text classification
recipe in a process of its own, on the same examples and steps; the row reports that
process's peak RSS (getrusage of the finished child), the training samples/s and the
accuracy from its metrics.json, and the parameters it trained. `--lora NAME=KEY=VALUE` adds a
LoRA configuration called NAME with that setting (repeat it for more settings), e.g.
`--lora all-linear="train.lora_targets=('query','key','value','output.dense','intermediate.dense')"`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from real_checkpoints import fetch

ROOT = Path(__file__).resolve().parents[1]
SHARED = ["data.validation_fraction=0.2", "data.max_length=64", "train.epochs=2", "train.batch_size=16",
          "data.predict_texts=()", "eval.each_epoch=False", "eval.best_metric=None"]  # fmt: skip


def run_child(settings, folder):
    """(metrics.json of the run, the child's peak RSS in MB, from the kernel's accounting of that process)."""
    command = [sys.executable, "-m", "tfhf.cli", "run", str(ROOT / "recipes" / "text_classification.py"),
               "--output-dir", str(folder), *(f"--set={setting}" for setting in settings)]  # fmt: skip
    with open(folder.with_suffix(".log"), "w") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"the run failed: {folder.with_suffix('.log').read_text()[-3000:]}")
    return json.loads((folder / "metrics.json").read_text()), usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--set", dest="extra", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--lora", action="append", default=[], metavar="NAME=KEY=VALUE")
    args = parser.parse_args()
    base = [f"data.path={str(args.corpus.resolve())!r}", f"model.checkpoint={str(fetch())!r}", *SHARED, *args.extra]
    configurations = {
        "full fine-tune": [*base, "train.learning_rate=1e-4"],
        f"LoRA rank {args.rank}": [*base, f"train.lora_rank={args.rank}", "train.learning_rate=1e-3"],
    }
    for variant in args.lora:
        name, setting = variant.split("=", 1)
        configurations.setdefault(f"LoRA rank {args.rank}, {name}", list(configurations[f"LoRA rank {args.rank}"]))
        configurations[f"LoRA rank {args.rank}, {name}"].append(setting)
    print("| configuration | trained parameters | accuracy | training samples/s | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for name, settings in configurations.items():
            metrics, peak_mb = run_child(settings, Path(scratch) / name.replace(" ", "_"))
            parameters = metrics.get("parameters") or {}
            trained = parameters.get("trained", "all")
            total = parameters.get("total")
            shown = f"{trained:,} of {total:,}" if total else str(trained)
            print(f"| {name} | {shown} | {metrics['after']['accuracy']:.4f} | "
                  f"{metrics['train']['samples_per_second']} | {peak_mb:,.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
