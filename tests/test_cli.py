"""The `tfhf` command end to end: a shrunk translation run, and every kind of bad input."""

import json
import subprocess
import sys

import pytest
from transformers import AutoTokenizer, TFAutoModelForSeq2SeqLM

from tests.helpers import (
    assert_pipeline_reproduces_predictions,
    assert_predict_reproduces_predictions,
    invoke,
    without_timings,
    write_recipe,
)
from tfhf.publish.run_dir import MARKER, write_marker


def run_cli(*args):
    return invoke(*args, catch_exceptions=False)


def test_help_does_not_import_tensorflow():
    code = "import sys; from tfhf.cli import main; sys.argv=['tfhf','--help']\ntry: main()\nexcept SystemExit: pass\nprint('tensorflow' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"


def test_a_shrunk_translation_run_writes_a_loadable_model_and_metrics(tmp_path, tiny_recipe_file):
    out = tmp_path / "run"
    result = run_cli("run", tiny_recipe_file, "--output-dir", out, "--set", "train.epochs=2")
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "translation"
    assert isinstance(metrics["before"]["bleu"], float) and isinstance(metrics["after"]["bleu"], float)
    assert metrics["train"]["seconds"] > 0 and metrics["train"]["samples_per_second"] > 0
    phases = metrics["startup"]["phases"]
    assert next(iter(phases)) == "imports" and list(phases)[-1] == "first_step" and "preflight" in phases
    assert metrics["startup"]["to_first_step"] == pytest.approx(sum(phases.values()), abs=0.05)
    assert "start-up: " in result.output and "s from the process's start" in result.output
    assert len(metrics["train"]["loss"]) == 2 and metrics["train"]["loss"][1] < metrics["train"]["loss"][0]
    assert metrics["after"]["xla_compilations"] <= metrics["after"]["xla_buckets"]
    assert "xla_compilations" in result.output and "bleu" in result.output
    assert "Epoch 1/2" in result.output and "Epoch 2/2" in result.output  # counted against the run's epochs
    assert "compiling generate with XLA for 8 x 8-token inputs" in result.stderr  # said before the silent wait
    recipe = json.loads((out / "recipe.json").read_text())
    assert recipe["train"]["epochs"] == 2 and recipe["output"]["dir"] == str(out)
    predictions = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert {"source", "reference", "prediction"} <= predictions[0].keys()
    # the saved model, untouched, gives its own validation predictions: in tfhf predict and in the pipeline
    assert_predict_reproduces_predictions(out, count=4)
    assert_pipeline_reproduces_predictions(out, "translation", "translation_text", count=4)
    model = TFAutoModelForSeq2SeqLM.from_pretrained(
        out, use_safetensors=False
    )  # beside PyTorch safetensors (docs/stack.md)
    tokenizer = AutoTokenizer.from_pretrained(out)
    generated = model.generate(**tokenizer(["Open the file"], return_tensors="tf"), max_new_tokens=4)
    assert generated.shape[0] == 1
    assert not list(tmp_path.glob(".run.*")), "staging folders must not be left behind"


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
@pytest.mark.parametrize("buckets", [4])  # without buckets: every kill-and-resume test (tests/test_resume.py)
def test_the_same_seed_gives_the_same_metrics(tmp_path, tiny_recipe_file, buckets):
    setting = f"train.length_buckets={buckets}"
    first = run_cli("run", tiny_recipe_file, "--output-dir", tmp_path / "a", "--set", setting)
    second = run_cli("run", tiny_recipe_file, "--output-dir", tmp_path / "b", "--set", setting)
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    if buckets:
        assert "length buckets: input lengths" in first.output
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert without_timings(a) == without_timings(b)


def bad_inputs(tmp_path, pairs_file):
    """(arguments, expected message) for each kind of bad input."""
    recipe = write_recipe(tmp_path, pairs_file)
    syntax = tmp_path / "syntax.py"
    syntax.write_text("recipe = Recipe(task='translation'\n")
    no_recipe = tmp_path / "no_recipe.py"
    no_recipe.write_text("RECIPE = None\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("en,fr\n")
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"en": "a", "fr": "b"}\n{"en": "caf\u00e9", "fr": "x"}\n'.encode("latin-1"))
    not_object = tmp_path / "not_object.jsonl"
    not_object.write_text('{"en": "a", "fr": "b"}\n["a", "b"]\n')
    broken_json = tmp_path / "broken.jsonl"
    broken_json.write_text('{"en": "a", "fr": "b"}\n{"en": "a", "fr": "b"}\n{"en": "a", "fr": \n')
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("en,fr\na,b\nc,d,e\n")
    return {
        "missing recipe file": ([tmp_path / "nope.py"], "recipe file not found"),
        "syntax error": ([syntax], "syntax error in recipe"),
        "no recipe": ([no_recipe], "defines no `recipe`"),
        "unknown override": ([recipe, "--set", "train.lr=1e-3"], "unknown recipe key 'train.lr'"),
        "mistyped override": ([recipe, "--set", "train.epochs=many"], "train.epochs expects int; got 'many'"),
        "missing data file": ([recipe, "--set", f"data.path={tmp_path / 'gone.jsonl'}"], "data file not found"),
        "missing column": ([recipe, "--set", "data.target_column=de"], "has no column 'de' (columns: en, fr)"),
        "empty file": ([recipe, "--set", f"data.path={empty}"], "split 'train' of data file"),
        "empty split": ([recipe, "--set", f"data.path={header_only}"], "is empty"),
        "unknown task": ([recipe, "--set", "task=poetry"], "unknown task 'poetry'"),
        "data of another task": (
            [recipe, "--set", "task='text-classification'"],
            "task 'text-classification' needs data=tfhf.recipe.ClassificationData(...)",
        ),
        "non-UTF-8 bytes": ([recipe, "--set", f"data.path={latin1}"], f"data file {latin1} line 2 is not UTF-8 text"),
        "JSON line not an object": (
            [recipe, "--set", f"data.path={not_object}"],
            f"data file {not_object} line 2 is a JSON list, not an object",
        ),
        "broken JSON line": ([recipe, "--set", f"data.path={broken_json}"], f"{broken_json} line 3 is not valid JSON"),
        "ragged CSV row": ([recipe, "--set", f"data.path={ragged}"], f"{ragged} line 3 has 3 fields; the header has 2"),
        "zero batch size": ([recipe, "--set", "train.batch_size=0"], "train.batch_size must be at least 1; got 0"),
        "negative learning rate": (
            [recipe, "--set", "train.learning_rate=-0.001"],
            "train.learning_rate must be greater than 0; got -0.001",
        ),
        "zero max length": ([recipe, "--set", "data.max_source_length=0"], "data.max_source_length must be at least 1"),
        "zero steps per execution": (
            [recipe, "--set", "train.steps_per_execution=0"],
            "train.steps_per_execution must be at least 1; got 0",
        ),
        "warmup ratio of 1": ([recipe, "--set", "train.warmup_ratio=1.0"], "train.warmup_ratio must be from 0 up to"),
    }


CASES = [
    "missing recipe file",
    "syntax error",
    "no recipe",
    "unknown override",
    "mistyped override",
    "missing data file",
    "missing column",
    "empty file",
    "empty split",
    "unknown task",
    "data of another task",
    "non-UTF-8 bytes",
    "JSON line not an object",
    "broken JSON line",
    "ragged CSV row",
    "zero batch size",
    "negative learning rate",
    "zero max length",
    "zero steps per execution",
    "warmup ratio of 1",
]


def test_output_directories_that_are_not_ours_to_replace_are_refused_untouched(tmp_path, tiny_recipe_file):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep")
    other_task = tmp_path / "classifier_run"
    other_task.mkdir()
    (other_task / "recipe.json").write_text('{"task": "text-classification"}')
    write_marker(other_task, "text-classification", ["recipe.json"], complete=True)
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_text("keep")
    cases = {
        a_file / "run": f"output directory {a_file / 'run'} cannot be created: {a_file} is a file",
        other_task: f"output directory {other_task} holds a 'text-classification' run, not 'translation'",
        foreign: f"output directory {foreign} is not empty and holds no tfhf run",
    }
    before = sorted((path, path.read_bytes()) for path in tmp_path.rglob("*") if path.is_file())
    for output_dir, message in cases.items():
        result = run_cli("run", tiny_recipe_file, "--output-dir", output_dir)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"tfhf: error: {message}") and result.stderr.count("\n") == 1, result.stderr
    assert sorted((path, path.read_bytes()) for path in tmp_path.rglob("*") if path.is_file()) == before


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_exit_2_and_touches_no_output(tmp_path, pairs_file, case):
    args, message = bad_inputs(tmp_path, pairs_file)[case]
    existing = tmp_path / "existing_run"
    existing.mkdir()
    (existing / "metrics.json").write_text('{"kept": true}')
    write_marker(existing, "translation", ["metrics.json"], complete=True)
    fresh = tmp_path / "fresh_run"
    for out in (existing, fresh):
        result = run_cli("run", *args, "--output-dir", out)
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("tfhf: error: "), result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.output
    assert not fresh.exists()
    assert sorted(p.name for p in existing.iterdir()) == [MARKER, "metrics.json"]
    assert (existing / "metrics.json").read_text() == '{"kept": true}'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tfhf.cli", "run", str(tmp_path / "missing.py")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr == f"tfhf: error: recipe file not found: {tmp_path / 'missing.py'}\n"


def test_devices_says_what_auto_picks_here_and_with_a_colab_tpu_address(monkeypatch):
    for key in ("COLAB_TPU_ADDR", "TPU_NAME"):
        monkeypatch.delenv(key, raising=False)
    here = invoke("devices", "--json")
    assert here.exit_code == 0, here.output
    found = json.loads(here.output.strip().splitlines()[-1])
    assert found["gpus"] == [] and found["auto_strategy"] == "default" and found["auto_precision"] == "float32"
    monkeypatch.setenv("COLAB_TPU_ADDR", "10.0.0.2:8470")
    lines = invoke("devices").output.splitlines()
    assert "TPU: grpc://10.0.0.2:8470" in lines
    assert "runtime.strategy=auto uses: tpu" in lines and "runtime.precision=auto uses: mixed_bfloat16" in lines
