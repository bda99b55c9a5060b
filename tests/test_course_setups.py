"""The course's setups end to end against a loopback Hub (tools/local_hub.py): stand-ins of its
checkpoints (PyTorch safetensors only, the real tokenizer formats) and datasets (Parquet, the
Hub's schemas, script-only repos at refs/convert/parquet), downloaded, trained, evaluated,
saved and predicted from, shrunk by --set; then offline from the cache. (A push back to it and a
prediction from the pushed id: tests/test_notebooks.py, the TPU notebook.)"""

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import hub_environment, tfhf_process

pytestmark = pytest.mark.slow  # each case is a whole run in a process of its own (HF_ENDPOINT is read at import)

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "recipes" / "course"
# preflight off: its checks have tests of their own, and each case here is a whole run
SHRUNK = ["data.max_train_samples=32", "data.max_eval_samples=8", "train.batch_size=8", "train.epochs=1",
          "train.preflight=False"]  # fmt: skip
SETUPS = {  # recipe: (its own shrinking overrides, the text tfhf predict gets afterwards)
    "translation_kde4": (["generate.max_new_tokens=8", "generate.length_buckets=(32,)"], ["Open the file"]),
    "summarization_amazon_reviews": (
        ["generate.max_new_tokens=8", "data.max_source_length=64", "generate.length_buckets=(64,)"],
        ["The battery lasts for days and the light is bright."],
    ),
    "text_classification_emotion": ([], ["what a lovely day"]),
    "text_classification_mrpc": ([], ["The cat sat on the mat."]),
    "token_classification_conll2003": ([], ["Jana Oster lives in Carrow ."]),
    "question_answering_squad": (
        ["data.max_length=128", "data.stride=32"],
        ["Who founded the bakery?", "--context", "The bakery was founded in 1902 by Ada Winter."],
    ),
    "masked_lm_imdb": ([], ["This film is [MASK]."]),
    "causal_lm_codeparrot": (
        ["model.config.n_embd=32", "model.config.n_layer=1", "model.config.n_head=2", "generate.max_new_tokens=8"],
        ["import pandas as pd\n"],
    ),
}


def run_course_recipe(name, out, env, *extra):
    """`tfhf run` of recipes/course/NAME.py, shrunk to a few dozen examples, in a process of its own."""
    overrides = [*SHRUNK, *SETUPS[name][0], *extra]
    return tfhf_process("run", COURSE / f"{name}.py", "--output-dir", out, *(f"--set={o}" for o in overrides), env=env)


def assert_a_course_run(out, log, hub_folder):
    """`out` holds a finished run, fine-tuned from the served checkpoint when the recipe names one."""
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["after"]
    if "evaluation before training: skipped" in log:  # a checkpoint's new head scores chance by construction
        assert "before" not in metrics and "new, initialised at random" in log
    else:
        assert metrics["before"]
    saved = json.loads((out / "config.json").read_text())
    recipe = json.loads((out / "recipe.json").read_text())
    if recipe["model"]["checkpoint"]:  # fine-tuned from the Hub checkpoint: its architecture, not one from scratch
        served = json.loads(
            Path(hub_folder, "models", recipe["model"]["checkpoint"], "main", "config.json").read_text()
        )
        assert saved["model_type"] == served["model_type"]
        assert saved.get("d_model", saved.get("hidden_size", saved.get("dim"))) == served.get(
            "d_model", served.get("hidden_size", served.get("dim"))
        )
    if recipe["data"]["path"] in ("kde4", "conll2003", "amazon_reviews_multi"):
        assert "read the Hub's Parquet conversion of config" in log


# The notebooks' tests run two setups the same way, in a kernel (tests/test_notebooks.py).
IN_NOTEBOOKS = ("translation_kde4", "text_classification_mrpc")


@pytest.mark.parametrize("name", [name for name in SETUPS if name not in IN_NOTEBOOKS])
def test_course_setup_downloads_trains_saves_and_predicts_offline(name, local_hub, tmp_path):
    url, _ = local_hub
    out = tmp_path / "run"
    ran = run_course_recipe(name, out, hub_environment(url, tmp_path / "hf"))
    assert ran.returncode == 0, (ran.stdout + ran.stderr)[-4000:]
    assert "Traceback" not in ran.stderr
    assert_a_course_run(out, ran.stdout, local_hub[1])

    # The saved run answers with no Hub at all.
    predicted = tfhf_process(
        "predict", out, *SETUPS[name][1], env=hub_environment("http://127.0.0.1:9", tmp_path / "empty", offline=True)
    )
    assert predicted.returncode == 0, (predicted.stdout + predicted.stderr)[-3000:]
    assert json.loads(predicted.stdout.strip().splitlines()[-1])


def test_a_second_run_works_offline_from_the_cache_alone(local_hub, tmp_path):
    url, _ = local_hub
    cache = tmp_path / "hf"
    first = run_course_recipe("translation_kde4", tmp_path / "online", hub_environment(url, cache))
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    # Offline, and pointed at a port where nothing listens: only the cache can answer.
    offline = hub_environment("http://127.0.0.1:9", cache, offline=True)
    second = run_course_recipe("translation_kde4", tmp_path / "offline", offline)
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    assert "read the Hub's Parquet conversion of config 'en-fr'" in second.stdout
    first_metrics = json.loads((tmp_path / "online" / "metrics.json").read_text())
    second_metrics = json.loads((tmp_path / "offline" / "metrics.json").read_text())
    assert first_metrics["after"]["bleu"] == second_metrics["after"]["bleu"]

    # With no cache either, it is one line naming the dataset.
    shutil.rmtree(cache / "hub" / "datasets--kde4")
    third = run_course_recipe("translation_kde4", tmp_path / "third", offline)
    assert third.returncode == 2, third.stderr[-3000:]
    assert "Traceback" not in third.stderr
    [line] = [line for line in third.stderr.splitlines() if line.startswith("tfhf: error:")]
    assert "kde4" in line and not (tmp_path / "third").exists()
