"""A run's output directory: whose it is, who may write it, and publishing it all at once.

tfhf writes a marker file (`.tfhf-run.json`) into every output directory it creates,
listing the entries it put there. Only a directory with that marker, and with nothing in
it that the marker does not list, may be replaced by a new run; any other non-empty
folder is the user's and is refused untouched (a file named `metrics.json` proves nothing).

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
import shutil
from contextlib import contextmanager
from pathlib import Path

from tfhf.errors import TfhfError

MARKER = ".tfhf-run.json"
PARTIAL_MARKER = f".partial{MARKER}"
CHECKPOINTS = "checkpoints"


def marker(folder):
    """The marker of a tfhf output directory as a dict, or None when `folder` has none (or an unreadable one)."""
    path = Path(folder) / MARKER
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and isinstance(value.get("files"), list) else None


def write_marker(folder, task_name, files, complete):
    """Marks `folder` as tfhf's: `files` are the top-level entries tfhf wrote there."""
    folder = Path(folder)
    value = {"tfhf": 1, "task": task_name, "complete": complete, "files": sorted(set(files) - {MARKER})}
    partial = folder / PARTIAL_MARKER
    with open(partial, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, folder / MARKER)


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
    own = (MARKER, PARTIAL_MARKER)  # the marker, and its replacement if a write of it was cut short
    foreign = [name for name in entries if name not in own and name not in saved["files"]]
    if foreign:
        raise TfhfError(
            f"output directory {output_dir} holds files tfhf did not write ({', '.join(foreign[:5])}); "
            "move them out or choose another --output-dir"
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
        write_marker(staging, task_name, [path.name for path in staging.iterdir()], complete=True)
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
