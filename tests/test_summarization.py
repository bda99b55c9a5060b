"""Summarization: ROUGE equals rouge-score's own, sentence splitting, lead-3, and a shrunk run."""

import json
import textwrap
from dataclasses import replace

import pytest
from rouge_score import rouge_scorer
from transformers import MarianConfig

from tests.helpers import (
    assert_pipeline_reproduces_predictions,
    assert_predict_reproduces_predictions,
    assert_repeats,
    invoke,
    predict_json,
)
from tfhf.recipe import SAMPLES_DIR, Model, Recipe, Seq2SeqData
from tfhf.scores.metrics import ROUGE_TYPES, rouge
from tfhf.scores.sentences import lead, split_sentences
from tfhf.tasks import TASKS


def test_rouge_matches_the_course_example():
    """The course: 'I absolutely loved reading the Hunger Games' vs the reference: rouge1 F 0.92, rouge2 F 0.73."""
    scores = rouge(["I absolutely loved reading the Hunger Games"], ["I loved reading the Hunger Games"])
    assert round(scores["rouge1"] / 100, 2) == 0.92
    assert round(scores["rouge2"] / 100, 2) == 0.73


def test_rouge_equals_rouge_score_averaged_over_pairs():
    predictions = ["Great kettle, price is a highlight", "I sent it back. The lamp broke!", "Nice mouse"]
    references = ["Great kettle, the price is the highlight", "The lamp broke. I sent it back.", "Bad mouse"]
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    expected = dict.fromkeys(ROUGE_TYPES, 0.0)
    for prediction, reference in zip(predictions, references):
        scores = scorer.score("\n".join(split_sentences(reference)), "\n".join(split_sentences(prediction)))
        for name in ROUGE_TYPES:
            expected[name] += 100 * scores[name].fmeasure / len(predictions)
    assert rouge(predictions, references) == pytest.approx(expected)
    # Lsum matches sentences in any order; plain L needs one common order, so the two differ here
    assert expected["rougeLsum"] != pytest.approx(expected["rougeL"])


def test_sentence_splitting_and_lead():
    text = "I bought it in May. It works, e.g. for tea! Is it loud? No. 3 stars from me."
    assert split_sentences(text) == [
        "I bought it in May.",
        "It works, e.g. for tea!",
        "Is it loud?",
        "No.",
        "3 stars from me.",
    ]
    assert lead(text, 3) == "I bought it in May. It works, e.g. for tea! Is it loud?"
    assert lead("no punctuation at all", 3) == "no punctuation at all"
    assert split_sentences("") == []


def test_lead_3_baseline_is_scored_on_the_validation_sources():
    import datasets

    from tfhf.recipe import Seq2SeqData

    rows = [
        {"body": "One. Two. Three. Four.", "title": "One. Two. Three."},
        {"body": "Alpha beta. Gamma.", "title": "Delta"},
    ]
    data = Seq2SeqData(path="unused", source_column="body", target_column="title")
    validation = datasets.Dataset.from_list(rows)
    first, lead_3 = TASKS["summarization"].baseline_scores({"validation": validation}, None, data, None)
    assert (first["name"], lead_3["name"]) == ("first_sentence", "lead_3")
    assert lead_3["rouge1"] == pytest.approx(50.0)  # a perfect first pair, nothing shared in the second
    assert first["rouge1"] < lead_3["rouge1"]


def tiny_summarization_recipe(tmp_path):
    recipe = tmp_path / "tiny_summarization.py"
    recipe.write_text(
        textwrap.dedent(
            f"""
            from tfhf.recipe import Eval, Generate, Model, Recipe, Seq2SeqData, Train
            recipe = Recipe(
                task="summarization",
                model=Model(config={{"model_type": "t5", "d_model": 16, "d_ff": 32, "d_kv": 8, "num_layers": 1,
                                    "num_heads": 2}}, tokenizer_vocab_size=300),
                data=Seq2SeqData(path={str(SAMPLES_DIR / "summarization_reviews.jsonl")!r},
                                 source_column="review_body", target_column="review_title",
                                 source_prefix="summarize: ", max_source_length=96, max_target_length=16,
                                 max_train_samples=64, max_eval_samples=16),
                train=Train(epochs=1, batch_size=16, learning_rate=1e-3),
                eval=Eval(batch_size=8),
                generate=Generate(max_new_tokens=8, length_buckets=(64,)),
            )
            """
        )
    )
    return recipe


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_a_shrunk_summarization_run_repeats_its_metrics(tmp_path):
    recipe = tiny_summarization_recipe(tmp_path)
    result = invoke("run", recipe, "--output-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["task"] == "summarization"
    for scores in (metrics["before"], metrics["after"], *metrics["baselines"]):
        assert set(ROUGE_TYPES) <= scores.keys()
    assert [baseline["name"] for baseline in metrics["baselines"]] == ["first_sentence", "lead_3"]
    best = max(baseline["rouge1"] for baseline in metrics["baselines"])
    assert (
        "the model beats the best baseline" if metrics["after"]["rouge1"] > best else "does not beat"
    ) in result.output
    assert metrics["after"]["xla_compilations"] <= metrics["after"]["xla_buckets"]
    text = "The kettle boils fast and the handle stays cool. It looks good on the counter too."
    [predicted] = predict_json(tmp_path / "run", text, "--max-new-tokens", "8")
    assert predicted["input"] == text and isinstance(predicted["outputs"][0], str)
    # the saved model gives its own validation predictions: its source prefix was saved with it
    assert_predict_reproduces_predictions(tmp_path / "run", count=4)
    assert_pipeline_reproduces_predictions(tmp_path / "run", "summarization", "summary_text", count=4)
    assert_repeats(tmp_path / "run", recipe)


def t5_like_checkpoint(folder, task_specific_params):
    MarianConfig(d_model=16, task_specific_params=task_specific_params).save_pretrained(folder)
    return str(folder)


@pytest.mark.parametrize(
    "override, message",
    [
        ("data.target_column='summary'", "has no column 'summary' (columns: review_body, review_title"),
        ("data.source_column='text'", "has no column 'text' (columns: review_body, review_title"),
        ("data.max_train_samples=4", "fewer than train.batch_size=16"),
    ],
)
def test_bad_summarization_input_is_one_line_exit_2(tmp_path, override, message):
    out = tmp_path / "run"
    result = invoke("run", tiny_summarization_recipe(tmp_path), "--set", override, "--output-dir", out)
    assert result.exit_code == 2
    error_line = result.stderr.rstrip("\n").split("\n")[-1]  # after any tokenization progress bars
    assert error_line.startswith("tfhf: error: ") and message in error_line
    assert not out.exists()


def test_a_prefix_for_a_model_trained_without_prefixes_is_refused(tmp_path):
    checkpoint = t5_like_checkpoint(tmp_path / "no_prefixes", None)
    out = tmp_path / "run"
    result = invoke(
        "run", tiny_summarization_recipe(tmp_path), "--output-dir", out, "--set", f"model.checkpoint={checkpoint!r}"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"tfhf: error: data.source_prefix='summarize: ' but model {checkpoint} was not trained with task "
        "prefixes (its config declares none); remove data.source_prefix\n"
    )
    assert not out.exists()


def test_a_model_with_declared_prefixes_takes_its_own_and_notes_a_missing_one(tmp_path):
    checkpoint = t5_like_checkpoint(tmp_path / "t5_like", {"summarization": {"prefix": "summarize: "}})
    task = TASKS["summarization"]
    model, data = Model(checkpoint=checkpoint), Seq2SeqData(path="unused", source_prefix="summarize: ")
    notes = []
    task.validate(Recipe(task="summarization", model=model, data=data), notes.append)
    assert notes == []
    task.validate(Recipe(task="summarization", model=model, data=replace(data, source_prefix="")), notes.append)
    expected = (
        f"note: model {checkpoint} was trained with the prefixes ['summarize: '] for summarization; "
        "data.source_prefix is ''"
    )
    assert notes == [expected]
