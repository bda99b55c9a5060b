"""Raw data from every supported file format, split creation, limits and input errors."""

import gzip
import json

import pandas as pd
import pytest

from tests.helpers import sample_pairs
from tfhf.data.splits import load_splits
from tfhf.errors import TfhfError
from tfhf.recipe import Data, Seq2SeqData

PAIRS = sample_pairs(40)


def write(path, rows):
    """Write `rows` (dicts with 'en' and 'fr') in the format the suffix names."""
    frame = pd.DataFrame(rows)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    elif path.suffix == ".json":
        frame.to_json(path, orient="records", force_ascii=False)
    elif path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif path.suffix == ".parquet":
        frame.to_parquet(path)
    return path


def spec(path, **kwargs):
    return Seq2SeqData(path=str(path), source_column="en", target_column="fr", **kwargs)


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".tsv", ".parquet"])
def test_each_file_format_loads_with_the_same_rows(tmp_path, suffix):
    path = write(tmp_path / f"pairs{suffix}", PAIRS)
    splits = load_splits(spec(path), ["en", "fr"], seed=0)
    assert len(splits["train"]) + len(splits["validation"]) == len(PAIRS)
    rows = {(row["en"], row["fr"]) for split in splits.values() for row in split}
    assert rows == {(pair["en"], pair["fr"]) for pair in PAIRS}


def test_text_files_give_a_text_column(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("".join(pair["en"] + "\n" for pair in PAIRS), encoding="utf-8")
    splits = load_splits(Data(path=str(path)), ["text"], seed=0)
    assert splits["train"].column_names == ["text"]
    assert len(splits["train"]) + len(splits["validation"]) == len(PAIRS)


def test_validation_split_is_cut_from_train_when_missing_and_is_seeded(tmp_path):
    path = write(tmp_path / "pairs.jsonl", PAIRS)
    first = load_splits(spec(path, validation_fraction=0.25), ["en", "fr"], seed=3)
    again = load_splits(spec(path, validation_fraction=0.25), ["en", "fr"], seed=3)
    assert len(first["validation"]) == 10 and len(first["train"]) == 30
    assert first["validation"]["en"] == again["validation"]["en"]


def test_gzipped_files_load_and_a_bad_line_inside_is_named(tmp_path):
    for split, rows in (("train", PAIRS[:30]), ("validation", PAIRS[30:])):
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (tmp_path / f"{split}.jsonl.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    splits = load_splits(spec(tmp_path), ["en", "fr"], seed=0)
    assert splits["validation"]["en"] == [pair["en"] for pair in PAIRS[30:]]

    (tmp_path / "validation.jsonl.gz").write_bytes(gzip.compress(b'{"en": "a", "fr": "b"}\n{"en": \n'))
    with pytest.raises(TfhfError, match=r"validation.jsonl.gz line 2 is not valid JSON"):
        load_splits(spec(tmp_path), ["en", "fr"], seed=0)
    (tmp_path / "validation.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(TfhfError, match=r"validation.jsonl.gz could not be decompressed"):
        load_splits(spec(tmp_path), ["en", "fr"], seed=0)


def test_a_folder_of_split_files_keeps_its_splits(tmp_path):
    write(tmp_path / "train.csv", PAIRS[:30])
    write(tmp_path / "validation.csv", PAIRS[30:])
    splits = load_splits(spec(tmp_path), ["en", "fr"], seed=0)
    assert splits["validation"]["en"] == [pair["en"] for pair in PAIRS[30:]]


def test_nested_columns_are_addressed_with_dots(tmp_path):
    """The KDE4 layout: {'translation': {'en': ..., 'fr': ...}}."""
    rows = [{"id": str(i), "translation": pair} for i, pair in enumerate(PAIRS)]
    path = tmp_path / "kde4_like.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    data = Seq2SeqData(path=str(path), source_column="translation.en", target_column="translation.fr")
    splits = load_splits(data, ["translation.en", "translation.fr"], seed=0)
    assert set(splits["train"]["translation.fr"]) <= {pair["fr"] for pair in PAIRS}


def test_sample_limits(tmp_path):
    path = write(tmp_path / "pairs.jsonl", PAIRS)
    splits = load_splits(spec(path, max_train_samples=5, max_eval_samples=3), ["en", "fr"], seed=0)
    assert (len(splits["train"]), len(splits["validation"])) == (5, 3)


def test_input_errors_name_the_problem(tmp_path):
    with pytest.raises(TfhfError, match=r"data file not found: .*missing.jsonl"):
        load_splits(spec(tmp_path / "missing.jsonl"), ["en", "fr"], seed=0)
    path = write(tmp_path / "pairs.csv", PAIRS)
    with pytest.raises(TfhfError, match=r"data file .*pairs.csv has no column 'de' \(columns: en, fr\)"):
        load_splits(Seq2SeqData(path=str(path), source_column="en", target_column="de"), ["en", "de"], seed=0)
    with pytest.raises(
        TfhfError,
        match=r"has no column 'fr_' \(columns: en, fr\); set data.target_column to one of them; did you mean fr\?",
    ):
        load_splits(Seq2SeqData(path=str(path), source_column="en", target_column="fr_"), ["en", "fr_"], seed=0)
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "train.csv", PAIRS)
    (tmp_path / "empty" / "validation.csv").write_text("en,fr\n")
    with pytest.raises(TfhfError, match=r"split .validation. of data file .*empty/validation.csv is empty"):
        load_splits(spec(tmp_path / "empty"), ["en", "fr"], seed=0)
    odd = tmp_path / "pairs.xml"
    odd.write_text("<pairs/>")
    with pytest.raises(TfhfError, match=r"unknown format '.xml'"):
        load_splits(spec(odd), ["en", "fr"], seed=0)
