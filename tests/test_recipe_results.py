"""The bundled recipes reach the results their docstrings promise, on their embedded defaults.

About 25 minutes in all on 2 cores, so not part of the default run (CI); `pytest -m
recipe_results` runs them. CI runs every task end to end shrunk instead, and every course
setup against the loopback Hub.
"""

import json
from pathlib import Path

import pytest

from tests.helpers import assert_pipeline_reproduces_predictions, assert_predict_reproduces_predictions, invoke

RECIPES = Path(__file__).resolve().parents[1] / "recipes"


@pytest.mark.slow
@pytest.mark.recipe_results
def test_translation_default_reaches_bleu_40_with_30_points_gained(tmp_path):
    result = invoke("run", RECIPES / "translation.py", "--output-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["after"]["bleu"] >= 40
    assert metrics["after"]["bleu"] - metrics["before"]["bleu"] >= 30
    assert metrics["after"]["xla_compilations"] <= metrics["after"]["xla_buckets"]
    assert_predict_reproduces_predictions(tmp_path / "run")
    assert_pipeline_reproduces_predictions(tmp_path / "run", "translation", "translation_text")


@pytest.mark.slow
@pytest.mark.recipe_results
def test_summarization_default_gains_10_rouge1_points_and_beats_lead_3(tmp_path):
    result = invoke("run", RECIPES / "summarization.py", "--output-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["after"]["rouge1"] >= metrics["before"]["rouge1"] + 10
    assert metrics["after"]["rouge1"] > max(baseline["rouge1"] for baseline in metrics["baselines"])
    # the source prefix ("summarize: ") is saved with the model: tfhf predict and the pipeline add it themselves
    assert_predict_reproduces_predictions(tmp_path / "run")
    assert_pipeline_reproduces_predictions(tmp_path / "run", "summarization", "summary_text")


@pytest.mark.slow
@pytest.mark.recipe_results
def test_causal_lm_default_halves_perplexity(tmp_path):
    result = invoke("run", RECIPES / "causal_lm.py", "--output-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["after"]["perplexity"] <= metrics["before"]["perplexity"] / 2
    assert_predict_reproduces_predictions(tmp_path / "run")


@pytest.mark.slow
@pytest.mark.recipe_results
def test_masked_lm_default_lowers_perplexity_on_the_same_masked_positions(tmp_path):
    result = invoke("run", RECIPES / "masked_lm.py", "--output-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["before"]["masked_tokens"] == metrics["after"]["masked_tokens"] > 0
    assert metrics["after"]["perplexity"] < metrics["before"]["perplexity"]
    assert_predict_reproduces_predictions(tmp_path / "run")


def run_default(tmp_path, name):
    """The default's metrics; what it saved in predictions.jsonl is checked against `tfhf predict`."""
    result = invoke("run", RECIPES / name, "--output-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert_predict_reproduces_predictions(tmp_path / "run")
    return json.loads((tmp_path / "run" / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.recipe_results
def test_text_classification_default_reaches_accuracy_0_8(tmp_path):
    metrics = run_default(tmp_path, "text_classification.py")
    assert metrics["after"]["accuracy"] >= 0.8
    assert metrics["after"]["f1"] == max(evaluation["f1"] for evaluation in metrics["evaluations"])


@pytest.mark.slow
@pytest.mark.recipe_results
def test_token_classification_default_reaches_entity_f1_0_8(tmp_path):
    metrics = run_default(tmp_path, "token_classification.py")
    assert metrics["after"]["overall_f1"] >= 0.8


@pytest.mark.slow
@pytest.mark.recipe_results
def test_question_answering_default_reaches_f1_55(tmp_path):
    # Measured: F1 64.1 and 64.9 (seeds 42 and 1) on an AVX2-only CPU. The same seeded run
    # differs between CPUs (56.7 against 62.3 before length buckets), so the bar sits below
    # issue 4's 60, which the measured runs reach, by that spread.
    metrics = run_default(tmp_path, "question_answering.py")
    assert metrics["after"]["f1"] >= 55
    assert metrics["after"]["windows"] > metrics["after"]["questions"]  # windowing happened
