"""tools/peer_bench.py's own logic (no training): the one seeded split both pipelines read, and its summary."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def peer_bench():
    spec = importlib.util.spec_from_file_location("peer_bench", ROOT / "tools" / "peer_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    rows = [{"body": f"text {index}", "library": f"lib{index % 3}", "other": index} for index in range(30)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_the_split_is_seeded_disjoint_and_renames_the_columns(peer_bench, corpus):
    train, validation = peer_bench.split_corpus(corpus, 20, 6, 42, "body", "library")
    assert (len(train), len(validation)) == (20, 6)
    assert set(train[0]) == {"text", "label"}
    assert not {row["text"] for row in train} & {row["text"] for row in validation}
    assert (train, validation) == peer_bench.split_corpus(corpus, 20, 6, 42, "body", "library")
    assert train != peer_bench.split_corpus(corpus, 20, 6, 7, "body", "library")[0]


def test_the_split_refuses_a_corpus_too_small(peer_bench, corpus):
    with pytest.raises(SystemExit, match="fewer than"):
        peer_bench.split_corpus(corpus, 25, 6, 42, "body", "library")


def test_writing_refuses_validation_labels_training_never_shows(peer_bench, tmp_path):
    with pytest.raises(SystemExit, match="absent from the training"):
        peer_bench.write_splits(tmp_path, [{"text": "a", "label": "x"}], [{"text": "b", "label": "y"}])


def test_the_summary_takes_medians_and_per_pair_ratios(peer_bench):
    def measured(speed, accuracy):
        return {"samples_per_second": speed, "accuracy": accuracy, "seconds": 1.0}

    hf, tfhf = peer_bench.HF_SIDE, peer_bench.TFHF_DEFAULTS
    rows = [(1, hf, measured(10, 0.5)), (1, tfhf, measured(20, 0.7)), (2, hf, measured(20, 0.6)),
            (2, tfhf, measured(30, 0.8)), (3, hf, measured(30, 0.7)), (3, tfhf, measured(60, 0.9))]  # fmt: skip
    lines = peer_bench.summary(rows)
    assert lines[2] == f"| {hf} | 20.0 | 0.6000 | 1 |"
    assert lines[3] == f"| {tfhf} | 30.0 | 0.8000 | 2.00 |"  # ratios 2, 1.5, 2
