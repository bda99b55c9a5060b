"""Quality and speed of training with and without length buckets, on real text, over several seeds.

    python tools/bucket_quality.py CORPORA_DIR [--seeds 3] [--counts 0,16] [--only CASE ...] [--keep DIR]

CORPORA_DIR holds the real-data corpora (`python tools/real_data.py build CORPORA_DIR`). Each case
below is a bundled recipe on one corpus, from scratch or from the real pretrained checkpoint
(tools/real_checkpoints.py). For every seed, the case runs twice in a row, as separate `tfhf
run` processes on the same examples and steps: with `train.length_buckets=0` (a plain
shuffle, each batch padded to its longest row) and with 16 buckets (`--counts` picks other
counts; the speed ratio is to the first count given). Running the pair
back to back makes its speed ratio fair on a noisy machine; the seeds give the quality's
spread. The table reports each headline metric's mean and range over the seeds, the training
samples/s (median) and the median of the per-seed speed ratios.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from real_checkpoints import MINILM, fetch  # beside this file
from real_data import EVAL, PRETRAINED, SHRUNK_CLASSIFICATION, SHRUNK_MASKED_LM

ROOT = Path(__file__).resolve().parents[1]
TRANSLATION = ["data.source_column='en'", "data.target_column='fr'", "data.max_train_samples=10000", EVAL,
               "train.epochs=2", "eval.each_epoch=False", "eval.best_metric=None"]  # fmt: skip
# case -> (recipe, corpus file, settings); the settings are tools/real_data.py's, so the rows compare with its page
CASES = {
    "text classification, MiniLM": ("text_classification.py", "docstring_libraries.jsonl",
                                    [*SHRUNK_CLASSIFICATION, PRETRAINED, "train.learning_rate=1e-4"]),
    "text classification, from scratch": ("text_classification.py", "docstring_libraries.jsonl",
                                          SHRUNK_CLASSIFICATION),
    "translation, from scratch": ("translation.py", "ui_strings_en_fr.jsonl", TRANSLATION),
    "masked LM, MiniLM": ("masked_lm.py", "docstrings.jsonl", [*SHRUNK_MASKED_LM, PRETRAINED,
                                                               "train.learning_rate=5e-5"]),
}  # fmt: skip
LOWER_IS_BETTER = ("perplexity", "loss")


def run_once(recipe, settings, folder):
    """(headline name, its value after training, training samples/s, the bucket lengths the run logged)."""
    command = [sys.executable, "-m", "tfhf.cli", "run", str(ROOT / "recipes" / recipe), "--output-dir", str(folder),
               *(f"--set={setting}" for setting in settings)]  # fmt: skip
    ran = subprocess.run(command, capture_output=True, text=True, check=False)
    folder.with_suffix(".log").write_text(ran.stdout + ran.stderr)
    if ran.returncode:
        raise SystemExit(f"the run failed (exit {ran.returncode}); its log: {folder.with_suffix('.log')}")
    metrics = json.loads((folder / "metrics.json").read_text())
    headline, value = next(iter(metrics["after"].items()))
    buckets = next((line.split(": ", 1)[1] for line in ran.stdout.splitlines() if "length buckets:" in line), "-")
    return headline, value, metrics["train"]["samples_per_second"], buckets


def measure_case(name, corpora, seeds, counts, scratch):
    """{length_buckets: [(headline, value, samples/s, bucket lengths), one per seed]} for one case."""
    recipe, corpus, settings = CASES[name]
    settings = [f"data.path={str(corpora / corpus)!r}", *(s.format(minilm=str(fetch())) for s in settings)]
    results = {count: [] for count in counts}
    for seed in range(1, seeds + 1):
        for count, runs in results.items():  # the pair back to back: their speed ratio meets the same machine
            folder = scratch / f"{name.replace(' ', '_').replace(',', '')}-seed{seed}-buckets{count}"
            runs.append(run_once(recipe, [*settings, f"train.seed={seed}", f"train.length_buckets={count}"], folder))
            print(f"  {name}, seed {seed}, length_buckets={count}: {runs[-1]}", file=sys.stderr, flush=True)
    return results


def table_rows(name, results):
    """One markdown row per setting of the case: metric mean (min-max), samples/s, speed ratio to the first."""
    plain = next(iter(results.values()))
    rows = []
    for count, runs in results.items():
        headline = runs[0][0]
        values = [run[1] for run in runs]
        ratios = [run[2] / base[2] for run, base in zip(runs, plain)]
        rows.append(
            f"| {name} | {count} | {headline} {statistics.mean(values):.4g} ({min(values):.4g}-{max(values):.4g}) "
            f"| {statistics.median(run[2] for run in runs):.1f} | {statistics.median(ratios):.2f}x | {runs[0][3]} |"
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", type=Path)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--counts", default="0,16", help="train.length_buckets values, comma-separated")
    parser.add_argument("--only", action="append", choices=list(CASES), help="run only these cases")
    parser.add_argument("--keep", type=Path, help="keep the runs and their logs in this folder")
    args = parser.parse_args()
    counts = [int(count) for count in args.counts.split(",")]
    print(f"checkpoint: {MINILM.repo_id}; {args.seeds} seeds; each pair back to back")
    print("| case | train.length_buckets | score, mean (min-max) over seeds | samples/s | speed, per seed | buckets |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as temporary:
        scratch = args.keep or Path(temporary)
        scratch.mkdir(parents=True, exist_ok=True)
        for name in args.only or CASES:
            for row in table_rows(name, measure_case(name, args.corpora, args.seeds, counts, scratch)):
                print(row, flush=True)


if __name__ == "__main__":
    main()
