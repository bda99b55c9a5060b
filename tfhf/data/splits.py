"""Raw data: train and validation splits from local files, a folder of them, or the Hub.

Everything here is checked before a run writes anything: a missing file, a missing column
or an empty split is a one-line TfhfError.
"""

import dataclasses
from pathlib import Path

import datasets

from tfhf.data.files import check_local_path, check_text_file, data_suffix
from tfhf.data.hub_datasets import load_hub_dataset
from tfhf.errors import TfhfError, did_you_mean

# file suffix -> (datasets builder, extra builder arguments); each may also be gzipped (train.jsonl.gz)
FILE_FORMATS = {
    ".json": ("json", {}),
    ".jsonl": ("json", {}),
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"delimiter": "\t"}),
    ".parquet": ("parquet", {}),
    ".txt": ("text", {}),
}
SPLIT_FILE_NAMES = {
    "train": "train",
    "validation": "validation",
    "valid": "validation",
    "dev": "validation",
    "test": "test",
}


def load_splits(spec, columns, seed, text_columns=(), log=None):
    """DatasetDict with 'train' and 'validation' holding (at least) `columns`.

    Each of `text_columns` must hold one string per row: a number, a list or an empty
    (null) cell is refused, naming the row and the setting that picks the column.

    Nested features are flattened first, so KDE4's column `translation` holding {en, fr}
    is addressed as `translation.en`. When there is no validation split, one is cut from
    train (`spec.validation_fraction`, seeded), as the course does for KDE4.
    """
    datasets.disable_progress_bars()  # reading a few files needs no progress bar, and an error stays one line
    try:
        raw = _load(spec, log)
    finally:
        datasets.enable_progress_bars()
    if spec.train_split not in raw:
        raise TfhfError(f"{_describe(spec)} has no split {spec.train_split!r} (splits: {', '.join(raw)})")
    train = raw[spec.train_split].flatten()
    if spec.validation_split in raw:
        validation = raw[spec.validation_split].flatten()
        validation.info.description = f"of split {spec.validation_split!r}"
    else:
        _check_not_empty(train, spec, spec.train_split)
        if len(train) < 2:
            raise TfhfError(
                f"split {spec.train_split!r} of {_describe(spec)} is too small to cut a validation split from"
            )
        pieces = train.train_test_split(test_size=spec.validation_fraction, seed=seed)
        train, validation = pieces["train"], pieces["test"]
        validation.info.description = (
            f"held out of split {spec.train_split!r} ({spec.validation_fraction:.0%}, seed {seed})"
        )
        if log:
            log(f"no split {spec.validation_split!r}: scoring on examples {validation.info.description}")
    splits = {"train": _limit(train, spec.max_train_samples), "validation": _limit(validation, spec.max_eval_samples)}
    for name, split in splits.items():
        _check_columns(split, columns, spec)
        _check_not_empty(split, spec, name)
        for column in text_columns:
            _check_text_column(split, column, spec, name)
    return datasets.DatasetDict(splits)


def _load(spec, log):
    path = Path(spec.path).expanduser()
    if not spec.path:
        raise TfhfError("data.path is empty: give a Hub dataset id or a local data file")
    if path.is_file():
        return _load_files({"train": path}, spec.load_kwargs)
    if path.is_dir() and spec.file_pattern:
        return _load_documents(path, spec.file_pattern)
    if path.is_dir():
        return _load_files(_split_files(path), spec.load_kwargs)
    check_local_path(spec.path)
    return load_hub_dataset(spec, log)


def _load_documents(folder, pattern):
    """One example per file matching `pattern`, in sorted (so reproducible) order."""
    try:
        files = sorted(file for file in folder.glob(pattern) if file.is_file())
    except OSError as error:  # a link that loops back into the folder makes '**' recurse until the path is too long
        raise TfhfError(
            f"data folder {folder} cannot be searched for {pattern!r}: {error.strerror} (a link that loops?)"
        ) from None
    if not files:
        raise TfhfError(f"data folder {folder} has no file matching {pattern!r}")
    rows = {"text": [], "file": []}
    for file in files:
        rows["text"].append(file.read_text(encoding="utf-8", errors="replace"))
        rows["file"].append(file.name)
    return datasets.DatasetDict({"train": datasets.Dataset.from_dict(rows)})


def _split_files(folder):
    files = {}
    for file in sorted(folder.iterdir()):
        split = SPLIT_FILE_NAMES.get(file.name.split(".")[0].lower())
        if split and data_suffix(file) in FILE_FORMATS and split not in files:
            if not file.is_file():
                raise TfhfError(f"data folder {folder}: {file.name} is not a readable file (a link that loops?)")
            files[split] = file
    if "train" not in files:
        raise TfhfError(f"data folder {folder} has no train file (train.jsonl, train.csv, ...)")
    return files


def _load_files(files, load_kwargs):
    suffixes = {data_suffix(file) for file in files.values()}
    if len(suffixes) > 1:
        raise TfhfError(f"data files mix formats ({', '.join(sorted(suffixes))}); use one format")
    suffix = suffixes.pop()
    if suffix not in FILE_FORMATS:
        known = ", ".join(FILE_FORMATS)
        raise TfhfError(f"data file {next(iter(files.values()))} has unknown format {suffix!r} (known: {known})")
    builder, kwargs = FILE_FORMATS[suffix]
    kwargs = {**kwargs, **load_kwargs}  # e.g. {'field': 'data'} for a JSON document that nests its rows
    return datasets.DatasetDict({split: _load_file(builder, kwargs, split, file) for split, file in files.items()})


def _load_file(builder, kwargs, split, file):
    if file.stat().st_size == 0:
        raise TfhfError(f"split {split!r} of data file {file} is empty")
    check_text_file(file)
    try:
        return datasets.load_dataset(builder, data_files={split: str(file)}, split=split, **kwargs)
    except Exception as error:  # noqa: BLE001 -- a malformed file: name it, keep the cause short
        cause = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "corresponds to no data" in cause:  # datasets' words for a file with a header and no rows
            raise TfhfError(f"split {split!r} of data file {file} is empty") from None
        raise TfhfError(f"could not read data file {file}: {cause}") from None


def _limit(split, max_samples):
    if max_samples is None or max_samples >= len(split):
        return split
    return split.select(range(max_samples))


def _check_columns(split, columns, spec):
    for column in columns:
        if column not in split.column_names:
            raise TfhfError(
                f"{_describe(spec)} has no column {column!r} (columns: {', '.join(split.column_names)}); "
                f"set {_setting_of(spec, column)} to one of them{did_you_mean(column, split.column_names)}"
            )


def _check_text_column(split, column, spec, split_name):
    """One string per row: datasets would train on a list column's repr, or fail deep in the tokenizer."""
    feature = split.features[column]
    where = f"column {column!r} ({_setting_of(spec, column)}) of {_describe(spec)}, split {split_name!r}"
    if not (isinstance(feature, datasets.Value) and feature.dtype in ("string", "large_string")):
        kind = feature.dtype if isinstance(feature, datasets.Value) else type(feature).__name__.lower()
        raise TfhfError(f"{where} holds {kind} values, not text; point {_setting_of(spec, column)} at a text column")
    values = split.select_columns([column]).with_format("arrow")[:][column]  # the split's own rows, in order
    if values.null_count:
        row = values.to_pylist().index(None)
        raise TfhfError(f"{where} is empty (null) at row {row}; fill or drop such rows")


def _setting_of(spec, column):
    """The data setting that names `column`, e.g. 'data.target_column'."""
    for f in dataclasses.fields(spec):
        if f.name.endswith("_column") and getattr(spec, f.name) == column:
            return f"data.{f.name}"
    return "the recipe's data settings"


def _check_not_empty(split, spec, name):
    if len(split) == 0:
        raise TfhfError(f"split {name!r} of {_describe(spec)} is empty")


def _describe(spec):
    path = Path(spec.path).expanduser()
    if path.is_dir():
        return f"data folder {spec.path}"
    return f"data file {spec.path}" if path.exists() else f"dataset {spec.path!r}"
