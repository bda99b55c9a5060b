"""Tokenization time of a large corpus: data.num_proc=1 against 2, and a second run reading the cache.

    python tools/tokenization_bench.py --rows 200000 --rounds 2

Builds a translation corpus of ROWS pairs (the bundled English-French sample's sentences,
each row numbered so no two are equal), saves the translation recipe's tokenizer trained
once, then per round, on a fresh copy of the file (so nothing is cached yet), times in
separate processes, as separate runs would be:

1. tokenizing with data.num_proc=1 (cold);
2. with data.num_proc=2 (cold: num_proc is part of datasets' cache key);
3. with data.num_proc=1 again: a second run, which finds the first one's cache.

Each time is `tfhf.train.preparation.tokenize` alone (length report and datasets.map over both
splits), measured inside the process. Prints one JSON object with every round.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "translation.py"


def child(data_path, tokenizer, num_proc):
    """In a process of its own: seconds to tokenize DATA_PATH as the translation recipe does."""
    sys.path.insert(0, str(ROOT))
    from tfhf.recipe.loading import apply_overrides, load_recipe
    from tfhf.train import preparation

    overrides = [f"data.path={str(data_path)!r}", f"model.tokenizer={str(tokenizer)!r}", f"data.num_proc={num_proc}"]
    recipe = apply_overrides(load_recipe(RECIPE), overrides)
    task = preparation.task_for(recipe)
    recipe, raw = preparation.load_data(recipe, task, log=lambda _: None)
    started = time.perf_counter()
    _, _, tokenized, _ = preparation.tokenize(recipe, task, raw, log=lambda _: None)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": round(seconds, 2), "rows": sum(len(split) for split in tokenized.values())}))


def timed(data_path, tokenizer, num_proc, cache):
    command = [sys.executable, __file__, "--child", str(data_path), str(tokenizer), str(num_proc)]
    env = {**os.environ, "HF_DATASETS_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    ran = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return json.loads(ran.stdout.strip().splitlines()[-1])


def write_corpus(path, rows):
    sample = [json.loads(line) for line in (ROOT / "tfhf" / "samples" / "translation_en_fr.jsonl").open()]
    with path.open("w", encoding="utf-8") as f:
        for index in range(rows):
            pair = sample[index % len(sample)]
            f.write(json.dumps({"en": f"{pair['en']} ({index})", "fr": f"{pair['fr']} ({index})"}) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs=3, metavar=("DATA", "TOKENIZER", "NUM_PROC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))

    with tempfile.TemporaryDirectory(prefix="tfhf-tokenization-bench-") as scratch:
        scratch = Path(scratch)
        corpus = scratch / "corpus.jsonl"
        write_corpus(corpus, args.rows)
        tokenizer = scratch / "tokenizer"
        save_tokenizer(tokenizer)
        rounds = []
        for index in range(args.rounds):
            data = scratch / f"round{index}" / "pairs.jsonl"  # a new path: a new dataset for the cache
            data.parent.mkdir()
            shutil.copy(corpus, data)
            cache = scratch / f"cache{index}"
            one = timed(data, tokenizer, 1, cache)
            two = timed(data, tokenizer, 2, cache)
            again = timed(data, tokenizer, 1, cache)
            rounds.append({"num_proc_1": one["seconds"], "num_proc_2": two["seconds"], "cached": again["seconds"],
                           "rows": one["rows"]})  # fmt: skip
            print(json.dumps(rounds[-1]), file=sys.stderr)
    median = {key: statistics.median(r[key] for r in rounds) for key in ("num_proc_1", "num_proc_2", "cached")}
    print(json.dumps({
        "rows_in_file": args.rows, "rounds": rounds, "median_seconds": median,
        "num_proc_2_speedup": round(median["num_proc_1"] / median["num_proc_2"], 2),
        "cached_speedup": round(median["num_proc_1"] / median["cached"], 1),
    }, indent=1))  # fmt: skip


def save_tokenizer(folder):
    """The translation recipe's tokenizer, trained once on its bundled sample, saved to `folder`."""
    sys.path.insert(0, str(ROOT))
    from tfhf.recipe.loading import load_recipe
    from tfhf.train import preparation

    recipe = load_recipe(RECIPE)
    task = preparation.task_for(recipe)
    recipe, raw = preparation.load_data(recipe, task, log=lambda _: None)
    preparation.make_tokenizer(recipe, task, raw["train"], log=lambda _: None).save_pretrained(folder)


if __name__ == "__main__":
    main()
