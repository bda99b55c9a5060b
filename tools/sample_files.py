"""What the tools/make_*_sample.py scripts share: coined names, and writing a folder of split files."""

import argparse
import gzip
import json
from pathlib import Path

ONSETS = ["b", "br", "d", "dr", "f", "g", "gr", "h", "k", "kr", "l", "m", "n", "p", "r", "s", "st", "t", "tr", "v", "z"]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ei", "ou"]
CODAS = ["", "", "n", "r", "l", "s", "k", "m", "nd", "rt", "st"]


def coined_name(rng):
    """A pronounceable invented name of two or three syllables, e.g. 'Drelvan'.

    Names coined on the spot rarely repeat, so a model cannot memorize them and has to
    learn what a name looks like and where it stands.
    """
    syllables = [rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.choice([2, 2, 3]))]
    return "".join(syllables).capitalize()


def write_splits(folder, splits, what, compress=False):
    """Writes {split name: rows} as folder/<split>.jsonl (UTF-8, one JSON object per line), or .jsonl.gz."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        path = folder / f"{name}.jsonl{'.gz' if compress else ''}"
        # mtime=0: the same rows give the same bytes, so regenerating leaves git with nothing to commit
        opened = gzip.GzipFile(path, "wb", mtime=0) if compress else open(path, "wb")  # noqa: SIM115 (closed by the with below)
        with opened as f:
            f.writelines((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8") for row in rows)
    counts = " and ".join(f"{len(rows)} {name}" for name, rows in splits.items())
    print(f"wrote {counts} {what} to {folder}")


def count_based_main(doc, default_output, generate, what, train_count=4000, validation_count=500):
    """The command line of a generator whose size is a count of rows: --train-count, --validation-count, ..."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--train-count", type=int, default=train_count)
    parser.add_argument("--validation-count", type=int, default=validation_count)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=default_output, help="folder for train.jsonl, validation.jsonl")
    args = parser.parse_args()
    train, validation = generate(args.train_count, args.validation_count, args.seed)
    write_splits(args.output, {"train": train, "validation": validation}, what)
