"""Line-level checks of local text data files, before datasets reads them.

datasets reports a broken file as "An error occurred while generating the dataset", or
with a UnicodeDecodeError traceback; users need the file and the line. One pass over the
file finds the first bad line: bytes that are not UTF-8, a JSON line that does not parse
or is not an object, a CSV row with more or fewer fields than the header.
"""

import csv
import difflib
import gzip
import io
import json
from pathlib import Path

from tfhf.errors import TfhfError

DELIMITERS = {".csv": ",", ".tsv": "\t"}
KNOWN_SUFFIXES = (".json", ".jsonl", ".csv", ".tsv", ".parquet", ".txt")


def check_local_path(path_text):
    """Refuses a data.path that names a local file or folder that is not there, suggesting the closest one.

    A path counts as local when it starts with '.', '/' or '~', or ends with a data file's
    suffix; anything else may be a Hub dataset id. Cheap: `tfhf run` calls it before
    importing TensorFlow.
    """
    path = Path(path_text).expanduser()
    if path.exists():
        if not (path.is_file() or path.is_dir()):  # a local path is never looked up on the Hub
            raise TfhfError(
                f"data.path {path_text} is not a regular file or folder (a pipe, socket or device); "
                "give a data file or a folder of them"
            )
        return
    parent = path.parent if path.parent.is_dir() else None
    names = sorted(entry.name for entry in parent.iterdir()) if parent else []
    looks_local = path_text.startswith((".", "/", "~")) or data_suffix(path) in KNOWN_SUFFIXES
    # a name with a suffix that nearly matches a file here is a typo of it, not a Hub id ('pairs.jsnl')
    nearly = difflib.get_close_matches(path.name, names, n=1, cutoff=0.85) if "." in path.name else []
    if not (looks_local or nearly):
        return
    close = nearly or difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    hint = f"; did you mean {parent / close[0]}?" if close else ""
    raise TfhfError(f"data file not found: {path_text} (data.path){hint}")


def data_suffix(file):
    """The format suffix of a data file, lowercase, seen through a .gz: 'train.jsonl.gz' -> '.jsonl'."""
    path = Path(file)
    if path.suffix.lower() == ".gz":
        path = path.with_suffix("")
    return path.suffix.lower()


def check_text_file(file):
    """Raises TfhfError naming `file` and the line of its first problem; does nothing for sound files."""
    suffix = data_suffix(file)
    if suffix not in (".jsonl", ".json", ".csv", ".tsv", ".txt"):
        return  # binary formats (parquet) check themselves
    opener = gzip.open if Path(file).suffix.lower() == ".gz" else open
    try:
        with opener(file, "rb") as f:
            lines = [decode_line(file, number, raw) for number, raw in enumerate(f, start=1)]
    except (OSError, EOFError) as error:  # gzip's BadGzipFile is an OSError
        raise TfhfError(f"data file {file} could not be decompressed: {error}") from None
    if suffix == ".jsonl" or (suffix == ".json" and looks_like_json_lines(lines)):
        check_json_lines(file, lines)
    elif suffix in DELIMITERS:
        check_delimited(file, lines, DELIMITERS[suffix])


def decode_line(file, number, raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TfhfError(
            f"data file {file} line {number} is not UTF-8 text (byte 0x{raw[error.start]:02x} at column "
            f"{error.start + 1}); re-save the file as UTF-8"
        ) from None


def looks_like_json_lines(lines):
    """A .json file may be one document or JSON lines; two lines that each start an object mean lines."""
    starts = [line.lstrip()[:1] for line in lines if line.strip()]
    return len(starts) > 1 and all(start == "{" for start in starts) and lines[0].rstrip().endswith("}")


def check_json_lines(file, lines):
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line.strip())
        except ValueError as error:
            raise TfhfError(
                f"data file {file} line {number} is not valid JSON: {error.msg} (column {error.colno})"
            ) from None
        if not isinstance(value, dict):
            raise TfhfError(
                f"data file {file} line {number} is a JSON {type(value).__name__}, not an object "
                '(each line must be one example, e.g. {"text": ..., "label": ...})'
            )


def check_delimited(file, lines, delimiter):
    rows = csv.reader(io.StringIO("".join(lines)), delimiter=delimiter)
    header = next(rows, None)
    if header is None:
        return
    for row in rows:
        if row == header:
            raise TfhfError(
                f"data file {file} line {rows.line_num} repeats the header ({', '.join(header)}); "
                "remove it (were two files joined?)"
            )
        if row and len(row) != len(header):
            raise TfhfError(
                f"data file {file} line {rows.line_num} has {len(row)} fields; the header has {len(header)} "
                f"({', '.join(header)})"
            )
