"""Shared test fixtures: tiny data files and a tiny translation recipe, all made locally."""

import os

# No machine here reaches the Hub; offline mode makes Hub lookups fail at once instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json
import textwrap
from pathlib import Path

import pytest

from tfhf.recipe import SAMPLES_DIR

SAMPLE = SAMPLES_DIR / "translation_en_fr.jsonl"

TIMING_KEYS = {"seconds", "samples_per_second", "eval_seconds", "xla_compile_seconds"}

TINY_MARIAN = {
    "model_type": "marian",
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "max_position_embeddings": 64,
    "scale_embedding": True,
}


def sample_pairs(count):
    """The first `count` pairs of the bundled corpus, as dicts {'en': ..., 'fr': ...}."""
    with open(SAMPLE, encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(count), f)]


@pytest.fixture
def pairs_file(tmp_path):
    path = tmp_path / "pairs.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(pair, ensure_ascii=False) + "\n" for pair in sample_pairs(120))
    return path


def write_recipe(folder, data_path, name="tiny.py", **train):
    """A tiny translation recipe file: runs end to end in seconds."""
    train = {"epochs": 1, "batch_size": 16, "learning_rate": 1e-3, **train}
    path = Path(folder) / name
    path.write_text(
        textwrap.dedent(
            f"""
            from tfhf.recipe import Eval, Generate, Model, Recipe, Seq2SeqData, Train
            recipe = Recipe(
                task="translation",
                model=Model(config={TINY_MARIAN!r}, tokenizer_vocab_size=300),
                data=Seq2SeqData(path={str(data_path)!r}, source_column="en", target_column="fr",
                                 max_source_length=32, max_target_length=32),
                train=Train(**{train!r}),
                eval=Eval(batch_size=8),
                generate=Generate(max_new_tokens=8, length_buckets=(8, 16)),
            )
            """
        )
    )
    return path


@pytest.fixture
def tiny_recipe_file(tmp_path, pairs_file):
    return write_recipe(tmp_path, pairs_file)


def without_timings(value):
    """metrics.json content without wall-clock measurements, which differ between equal runs."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    return value


def assert_repeats(run_dir, recipe_file):
    """Runs `recipe_file` again beside `run_dir` and checks the seeded metrics repeat exactly."""
    from click.testing import CliRunner

    from tfhf.cli import main

    again = Path(run_dir).with_name(Path(run_dir).name + "_again")
    result = CliRunner().invoke(main, ["run", str(recipe_file), "--output-dir", str(again)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads((d / "metrics.json").read_text()) for d in (Path(run_dir), again))
    assert without_timings(first) == without_timings(second)


def predict_json(model_dir, *args):
    """The JSON lines `tfhf predict MODEL_DIR ARGS...` prints (it must succeed)."""
    from click.testing import CliRunner

    from tfhf.cli import main

    result = CliRunner().invoke(main, ["predict", str(model_dir), *map(str, args)])
    assert result.exit_code == 0, result.output[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
