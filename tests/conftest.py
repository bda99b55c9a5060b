"""Shared test fixtures: tiny data files and a tiny translation recipe, all made locally (tests.helpers)."""

import os

# No machine here reaches the Hub; offline mode makes Hub lookups fail at once instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import sample_pairs, write_recipe


@pytest.fixture
def pairs_file(tmp_path):
    path = tmp_path / "pairs.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(pair, ensure_ascii=False) + "\n" for pair in sample_pairs(120))
    return path


@pytest.fixture
def tiny_recipe_file(tmp_path, pairs_file):
    return write_recipe(tmp_path, pairs_file)


@pytest.fixture(autouse=True)
def tensorflow_state_reset():
    """Each test starts from TensorFlow's defaults whatever the test before it ran in this process.

    An in-process run sets the Keras precision policy and grows Keras's graph and layer-name
    counters; both are reset after every test. (Thread pools are fixed when TensorFlow first
    runs an op and cannot be reset: tfhf.runtime.start says so in the run's log.)
    """
    yield
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        tf.keras.mixed_precision.set_global_policy("float32")
        tf.keras.backend.clear_session()


@pytest.fixture(scope="session")
def local_hub(tmp_path_factory):
    """(URL, folder) of a loopback Hub (tools/local_hub.py) serving freshly built stand-ins, for the session."""
    folder = tmp_path_factory.mktemp("hub")
    tool = Path(__file__).resolve().parents[1] / "tools" / "local_hub.py"
    subprocess.run([sys.executable, tool, "build", folder], check=True, capture_output=True, timeout=600)
    server = subprocess.Popen([sys.executable, tool, "serve", folder], stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    assert line.startswith("serving "), line
    yield line.split(" at ")[-1].strip(), folder
    server.terminate()
    server.wait(timeout=30)
