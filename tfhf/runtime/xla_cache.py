"""XLA's persistent compilation cache for `tfhf predict --xla`: a later process loads the program instead of compiling it.

TensorFlow writes each compiled program to a folder given by the flag
`--tf_xla_persistent_cache_directory` (in TF_XLA_FLAGS, read when TensorFlow runs its first
op) and loads it when a later process asks for the same program. Its key is the program's
HLO and signature, with no TensorFlow version and no CPU in it, so tfhf keeps one folder per
(TensorFlow version, CPU features): a program built for another CPU is never loaded.

TFHF_XLA_CACHE names another folder; `off` (or 0, or empty) turns the cache off.
"""

import hashlib
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

SETTING = "TFHF_XLA_CACHE"
FLAG = "--tf_xla_persistent_cache_directory"
OFF = {"", "0", "off", "false", "no"}


def cache_folder():
    """Where programs are kept for this TensorFlow and CPU, or None when TFHF_XLA_CACHE turns the cache off."""
    setting = os.environ.get(SETTING)
    if setting is not None and setting.strip().lower() in OFF:
        return None
    if setting:
        base = Path(setting).expanduser()
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tfhf" / "xla"
    return base / f"tensorflow-{importlib.metadata.version('tensorflow')}-cpu-{cpu_fingerprint()}"


def cpu_fingerprint():
    """A short hash of the CPU's model and instruction sets: XLA compiles for the features it finds."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = [line for line in f if line.startswith(("model name", "flags"))][:2]
    except OSError:
        lines = [platform.machine(), platform.processor()]
    return hashlib.sha256("".join(lines).encode()).hexdigest()[:12]


def enable():
    """Turns the cache on for this process, unless TF_XLA_FLAGS already names one; returns the folder or None.

    Call it before TensorFlow is imported: the flags are read once, at TensorFlow's first op.
    """
    folder = cache_folder()
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if folder is None or FLAG in flags or "tensorflow" in sys.modules:
        return None
    if any(character.isspace() for character in str(folder)):  # the flags are split on spaces
        return None
    os.environ["TF_XLA_FLAGS"] = f"{flags} {FLAG}={folder}".strip()
    return folder
