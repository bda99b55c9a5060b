"""A run's output directory: whose it is, who may write it, and publishing it all at once.

tfhf writes a marker file (`.tfhf-run.json`) into every output directory it creates,
listing every file and folder it put there, at every depth (`logs/train/events...`,
`export/saved_model/...`). Only a directory with that marker, and with nothing in it at any
depth that the marker does not list, may be replaced by a new run, exported into or
pushed; anything else is the user's, and the command stops naming it before it writes
anything (a file named `metrics.json` proves nothing). The one folder whose content the
marker cannot list is `checkpoints/` of a run in progress, which training keeps writing:
there, tfhf's entries are those its checkpoint store, resume and TensorBoard name
(CHECKPOINT_ENTRY), and anything else is the user's too.

Publishing writes everything into a staging folder beside the target, marks it complete,
and swaps it in with two renames (`target -> .NAME.previous-PID`, `staging -> target`).
A kill between the two is repaired by `recover`, which every run calls under the output
lock before it looks at the directory: a complete staging folder is finished into place,
otherwise the previous directory is put back. Leftover staging folders are removed, each
with a log line.

`output_lock` holds an exclusive `flock` on `.NAME.lock` beside the target for the whole
run; the kernel releases it when the process dies, so a stale lock file (dead PID) is
simply taken over.
"""

import errno
import fcntl
import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from tfhf.errors import TfhfError

MARKER = ".tfhf-run.json"
PARTIAL_MARKER = f".partial{MARKER}"
CHECKPOINTS = "checkpoints"
MARKER_VERSION = 2  # 2: `files` lists entries at every depth; 1 listed the top level only
# What tfhf writes inside checkpoints/ (tfhf.train.checkpoints, tfhf.train.resume, Keras's TensorBoard callback)
CHECKPOINT_ENTRY = re.compile(
    r"(latest|\.partial-latest|run\.json|\.partial-run\.json"
    r"|(\.partial-)?ckpt-\d+(/(variables\.index|variables\.data-\d+-of-\d+|state\.json|best_weights\.npz))?"
    r"|tokenizer(/[^/]+)?"
    r"|logs(/(train|validation)(/events\.out\.tfevents\.[^/]+)?)?)"
)
# What an export cut short leaves (tfhf.commands.export), removed by the next export
EXPORT_PARTIAL = re.compile(
    r"export/\.partial-(saved_model|model\.tflite|model\.int8\.tflite|quantization\.json)(/.*)?"
)


def marker(folder):
    """The marker of a tfhf output directory as a dict, or None when `folder` has none (or an unreadable one)."""
    path = Path(folder) / MARKER
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and isinstance(value.get("files"), list) else None


def write_marker(folder, task_name, files, complete):
    """Marks `folder` as tfhf's: `files` are the entries tfhf wrote there, as paths relative to it, at every depth."""
    folder = Path(folder)
    files = sorted(set(files) - {MARKER, PARTIAL_MARKER})
    value = {"tfhf": MARKER_VERSION, "task": task_name, "complete": complete, "files": files}
    partial = folder / PARTIAL_MARKER
    with open(partial, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, folder / MARKER)


def tree(folder):
    """Every file and folder below `folder`, as POSIX paths relative to it (links listed, not followed)."""
    folder = Path(folder)
    entries = []
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            entries.append((Path(root) / name).relative_to(folder).as_posix())
    return sorted(entries)


def foreign_entries(folder, saved=None):
    """The entries below tfhf output folder `folder` that its marker (`saved`) does not list as tfhf's."""
    saved = saved if saved is not None else marker(folder) or {"files": []}
    own = set(saved["files"]) | {MARKER, PARTIAL_MARKER}
    in_progress = CHECKPOINTS in own
    foreign = []
    for entry in tree(folder):
        if entry in own:
            continue
        inside, _, rest = entry.partition("/")
        if in_progress and inside == CHECKPOINTS and CHECKPOINT_ENTRY.fullmatch(rest):
            continue
        if EXPORT_PARTIAL.fullmatch(entry):
            continue
        foreign.append(entry)
    # a user's folder is named once, not once per file in it
    named = set(foreign)
    return [entry for entry in foreign if not any(ancestor in named for ancestor in ancestors(entry))]


def ancestors(entry):
    """'a/b/c' -> ['a', 'a/b']."""
    parts = entry.split("/")
    return ["/".join(parts[:depth]) for depth in range(1, len(parts))]


def refuse_foreign_entries(folder, what):
    """Stops `what` (a command's description) before it writes, naming the files in `folder` tfhf did not write."""
    foreign = foreign_entries(folder)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise TfhfError(
            f"{folder} holds files tfhf did not write ({shown}); {what} would replace or send them: "
            "move them out of the folder, or choose another one"
        )


def claim(output_dir, task_name):
    """Creates (or marks) `output_dir` for a run in progress, before its checkpoints are written.

    A finished run's directory that a new run trains into is no longer complete: its
    marker says so, and keeps listing the finished run's files, which are tfhf's to replace.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    files = (marker(output_dir) or {}).get("files", [])
    write_marker(output_dir, task_name, [*files, CHECKPOINTS], complete=False)


def check_output_dir(output_dir, task_name):
    """Refuses an output directory that is not tfhf's to replace: a file, a user's folder, another task's run."""
    output_dir = Path(output_dir)
    if not output_dir.exists():
        check_creatable(output_dir)
        return
    if not output_dir.is_dir():
        raise TfhfError(f"output directory {output_dir} is a file")
    entries = sorted(path.name for path in output_dir.iterdir())
    if not entries:
        check_writable(output_dir)
        return
    saved = marker(output_dir)
    if saved is None:
        raise TfhfError(
            f"output directory {output_dir} is not empty and holds no tfhf run (no {MARKER}: "
            f"{', '.join(entries[:3])}{', ...' if len(entries) > 3 else ''}); choose another --output-dir"
        )
    foreign = foreign_entries(output_dir, saved)
    if foreign:
        raise TfhfError(
            f"output directory {output_dir} holds files tfhf did not write ({', '.join(foreign[:5])}"
            f"{', ...' if len(foreign) > 5 else ''}); move them out or choose another --output-dir"
        )
    if saved.get("task") != task_name:
        raise TfhfError(
            f"output directory {output_dir} holds a {saved.get('task')!r} run, not {task_name!r}; "
            "choose another --output-dir (or remove it)"
        )
    check_writable(output_dir)


def check_creatable(output_dir):
    """Refuses, before any work, an output directory that cannot be created where it is asked for."""
    ancestor = output_dir.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise TfhfError(f"output directory {output_dir} cannot be created: {ancestor} is a file")
    check_writable(ancestor, f"output directory {output_dir} cannot be created: {ancestor}")


def check_writable(folder, what=None):
    """Refuses a folder tfhf cannot write into (read-only file system, permissions), before any work."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TfhfError(f"{what or f'output directory {folder}'} is not writable; choose another --output-dir")


def staging_name(target, pid=None):
    return target.with_name(f".{target.name}.staging-{pid or os.getpid()}")


def previous_name(target, pid=None):
    return target.with_name(f".{target.name}.previous-{pid or os.getpid()}")


@contextmanager
def staged_directory(target, task_name):
    """Yield a fresh staging folder; on success it replaces `target`, on error it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_name(target)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        write_marker(staging, task_name, tree(staging), complete=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    publish(staging, target)


def publish(staging, target):
    """Swaps the complete `staging` folder in for `target`; `recover` finishes the swap if this is killed."""
    previous = previous_name(target)
    if target.exists():
        target.rename(previous)
    staging.rename(target)
    shutil.rmtree(previous, ignore_errors=True)


def recover(target, log):
    """Finishes or rolls back a publish that was interrupted, and removes leftover staging folders.

    Called with the output lock held, so every leftover belongs to a process that is gone.
    """
    target = Path(target)
    if not target.parent.is_dir():
        return
    stagings = sorted(target.parent.glob(f".{target.name}.staging-*"))
    previous = sorted(target.parent.glob(f".{target.name}.previous-*"))
    complete = [folder for folder in stagings if (marker(folder) or {}).get("complete")]
    # A complete staging folder replaces a missing target or one still in progress, never a finished run.
    if complete and (not target.exists() or (marker(target) or {}).get("complete") is False):
        newest = max(complete, key=lambda folder: folder.stat().st_mtime)
        if target.exists():
            target.rename(previous_name(target))
            previous.append(previous_name(target))
        newest.rename(target)
        stagings.remove(newest)
        log(f"finished publishing {target} from {newest.name}, which an interrupted run had completed")
    elif previous and not target.exists():
        newest = max(previous, key=lambda folder: folder.stat().st_mtime)
        newest.rename(target)
        previous.remove(newest)
        log(f"put back {target} from {newest.name}: a run was stopped while replacing it")
    for leftover in [*stagings, *previous]:
        shutil.rmtree(leftover, ignore_errors=True)
        log(f"removed {leftover.name}, left behind by an interrupted run")


def lock_path(target):
    return Path(target).with_name(f".{Path(target).name}.lock")


@contextmanager
def output_lock(target, log):
    """Holds the exclusive lock on `target` for as long as the block runs; refuses if another live run holds it."""
    path = lock_path(target)
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise TfhfError(f"cannot lock output directory {target}: cannot write {path} ({error.strerror})") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise TfhfError(f"cannot lock output directory {target}: {error.strerror}") from None
            raise TfhfError(
                f"output directory {target} is in use by another tfhf run (PID {holder}); "
                "wait for it to finish or choose another --output-dir"
            ) from None
        # The file may have been removed by the run that held it between our open and flock.
        if os.path.exists(path) and os.stat(path).st_ino == os.fstat(descriptor).st_ino:
            break
        os.close(descriptor)
    stale = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
    if stale:
        log(f"took over the lock of {target} from PID {stale}, which is no longer running")
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    try:
        yield
    finally:
        os.unlink(path)
        os.close(descriptor)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
