"""What the tools/make_*_sample.py scripts share: coined names, and writing a folder of split files."""

import json

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


def write_splits(folder, splits, what):
    """Writes {split name: rows} as folder/<split>.jsonl (UTF-8, one JSON object per line)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    counts = " and ".join(f"{len(rows)} {name}" for name, rows in splits.items())
    print(f"wrote {counts} {what} to {folder}")
