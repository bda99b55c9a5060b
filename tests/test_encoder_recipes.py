"""Shrunk end-to-end runs of the encoder recipes (classification, NER, QA), and their bad input."""

import json

import pytest
from transformers import AutoConfig

from tests.helpers import (
    assert_predict_reproduces_predictions,
    assert_repeats,
    predict_json,
    run,
    sample_pairs,
    without_timings,
    write_task_recipe,
)
from tfhf.recipe import SAMPLES_DIR


def emotion_recipe(folder, **data):
    settings = {"path": str(SAMPLES_DIR / "emotion"), "max_train_samples": 800, "max_eval_samples": 48,
                "max_length": 32, "predict_texts": ("So happy today!",), **data}  # fmt: skip
    return write_task_recipe(folder, "text-classification", "ClassificationData", settings,
                        {"each_epoch": True, "best_metric": "f1"}, epochs=3, learning_rate=3e-3)  # fmt: skip


def test_classification_keeps_the_best_epoch_and_saves_label_names(tmp_path):
    recipe, out = emotion_recipe(tmp_path), tmp_path / "run"
    result = run(recipe, out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    f1s = [evaluation["f1"] for evaluation in metrics["evaluations"]]
    assert len(f1s) == 3 and len(set(f1s)) > 1, f1s  # epochs differ, so keeping the best one shows
    best = metrics["evaluations"][f1s.index(max(f1s))]
    steps_per_epoch = metrics["train"]["steps"] // 3
    assert metrics["best_step"] == best["step"] == best["epoch"] * steps_per_epoch
    kept = {key: value for key, value in best.items() if key not in ("step", "epoch")}
    assert without_timings(metrics["after"]) == without_timings(kept)  # its weights were kept
    assert "data.max_length=32, split 'train': 50% " in result.output  # the lengths, measured before training
    cut = metrics["data"]["cut_by_length"]["data.max_length"]["train"]
    assert 0.05 < cut < 1  # 32 tokens is short for these messages: said, with the setting to raise
    assert f"warning: data.max_length=32 cuts {cut:.1%} of split 'train'" in result.output
    config = AutoConfig.from_pretrained(out)
    assert config.id2label == {0: "anger", 1: "joy", 2: "optimism", 3: "sadness"}
    assert json.loads((out / "recipe.json").read_text())["data"]["label_names"] == [
        "anger",
        "joy",
        "optimism",
        "sadness",
    ]
    predictions = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    validation, [demo] = predictions[:-1], predictions[-1:]
    assert len(validation) == 48 and {"text", "reference", "prediction", "score"} == validation[0].keys()
    assert demo["label"] in config.label2id and set(demo["scores"]) == set(config.label2id)
    [predicted] = predict_json(out, "So happy today!")
    assert {item["label"] for item in predicted["labels"]} == set(config.label2id)
    assert_predict_reproduces_predictions(out)
    assert_repeats(out, recipe)


def test_sentence_pairs_with_integer_labels_are_scored_with_binary_f1(tmp_path):
    pairs = sample_pairs(160)
    rows = [
        {"sentence1": pair["en"], "sentence2": (pair if i % 2 else pairs[(i + 7) % len(pairs)])["fr"], "label": i % 2}
        for i, pair in enumerate(pairs)
    ]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    data = {"path": str(tmp_path / "pairs.jsonl"), "text_column": "sentence1", "text_pair_column": "sentence2",
            "label_names": ("not_equivalent", "equivalent"), "predict_texts": (("Open the file", "Ouvrez le fichier"),)}  # fmt: skip
    out = tmp_path / "run"
    result = run(write_task_recipe(tmp_path, "text-classification", "ClassificationData", data), out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"accuracy", "f1", "precision", "recall"} <= metrics["after"].keys()
    prediction = json.loads((out / "predictions.jsonl").read_text().splitlines()[-1])
    assert prediction["text"] == ["Open the file", "Ouvrez le fichier"]
    assert prediction["label"] in ("not_equivalent", "equivalent")


def ner_recipe(folder, **data):
    settings = {"path": str(SAMPLES_DIR / "ner"), "max_train_samples": 96, "max_eval_samples": 32,
                "predict_texts": ("Mara Lind flew to Port Elsin .",), **data}  # fmt: skip
    return write_task_recipe(folder, "token-classification", "TokenClassificationData", settings)


def test_ner_reports_seqeval_overall_and_per_type_and_grouped_entities(tmp_path):
    recipe, out = ner_recipe(tmp_path), tmp_path / "run"
    result = run(recipe, out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"overall_precision", "overall_recall", "overall_f1", "overall_accuracy"} <= metrics["after"].keys()
    assert all(set(metrics["after"][kind]) == {"precision", "recall", "f1", "number"} for kind in ("PER", "LOC"))
    *validation, tagged = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(validation) == 32 and len(validation[0]["tokens"]) == len(validation[0]["prediction"])
    for entity in tagged["entities"]:
        assert set(entity) == {"entity_group", "score", "word", "start", "end"}
        assert entity["entity_group"] in ("PER", "ORG", "LOC", "MISC")
    assert AutoConfig.from_pretrained(out).num_labels == 9
    [predicted] = predict_json(out, "Mara Lind flew to Port Elsin .")
    assert all(entity["entity_group"] in ("PER", "ORG", "LOC", "MISC") for entity in predicted["entities"])
    assert_predict_reproduces_predictions(out)
    assert_repeats(out, recipe)


def qa_recipe(folder, **data):
    settings = {"path": str(SAMPLES_DIR / "qa"), "max_train_samples": 64, "max_eval_samples": 24, "max_length": 64,
                "stride": 16, "predict_questions": (("Who founded it?", "It was founded by Mara Lind in 1887."),),
                **data}  # fmt: skip
    return write_task_recipe(folder, "question-answering", "QuestionAnsweringData", settings)


def test_qa_windows_long_contexts_and_scores_exact_match_and_f1(tmp_path):
    recipe, out = qa_recipe(tmp_path), tmp_path / "run"
    result = run(recipe, out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["after"]["windows"] > 2 * 24  # every context needed several 64-token windows
    assert metrics["after"]["f1"] > metrics["before"]["f1"]  # training taught it something
    assert metrics["after"]["exact_match"] <= metrics["after"]["f1"]  # a partial overlap earns F1, not EM
    answer = json.loads((out / "predictions.jsonl").read_text().splitlines()[0])
    context = "It was founded by Mara Lind in 1887."
    assert answer["answer"] == context[answer["start"] : answer["end"]]
    [predicted] = predict_json(out, "Who founded it?", "--context", context)
    assert {key: predicted[key] for key in ("answer", "start", "end")} == {
        k: answer[k] for k in ("answer", "start", "end")
    }
    assert_repeats(out, recipe)


def one_line_error(result):
    assert result.exit_code == 2, result.output
    line = result.stderr.rstrip("\n").split("\n")[-1]  # after any tokenization progress bars
    assert line.startswith("tfhf: error: ") and "Traceback" not in result.output
    return line


@pytest.fixture
def bad_files(tmp_path):
    def write(name, rows):
        folder = tmp_path / name
        folder.mkdir()
        for split in ("train", "validation"):
            (folder / f"{split}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows[split]))
        return str(folder)

    return write


def test_bad_classification_input(tmp_path, bad_files):
    good = [{"text": "ok", "label": "joy"}] * 20
    unknown = bad_files("unknown", {"train": good, "validation": [*good[:3], {"text": "hm", "label": "fear"}]})
    recipe = emotion_recipe(tmp_path)
    line = one_line_error(run(recipe, tmp_path / "a", f"data.path={unknown!r}"))
    assert "column 'label', split 'validation', row 3: label 'fear' is not one of the label names (joy)" in line
    line = one_line_error(run(recipe, tmp_path / "b", "data.text_pair_column='sentence2'", "data.predict_texts=()"))
    assert "has no column 'sentence2'" in line
    line = one_line_error(run(recipe, tmp_path / "c", "data.label_names=('anger', 'joy')"))
    assert "column 'label', split 'train', row 3: label 'optimism' is not one of the label names (anger, joy)" in line
    line = one_line_error(run(recipe, tmp_path / "e", "data.text_pair_column='text'"))
    assert "data.predict_texts: with data.text_pair_column, give (text, pair) tuples, not 'So happy today!'" in line
    line = one_line_error(run(recipe, tmp_path / "f", "eval.each_epoch=False"))
    assert "eval.best_metric needs eval.each_epoch=True or eval.every_steps" in line
    empty = bad_files("empty", {"train": good, "validation": []})
    assert "validation" in one_line_error(run(recipe, tmp_path / "d", f"data.path={empty!r}"))
    assert not any((tmp_path / name).exists() for name in "abcdef")


def test_bad_ner_input(tmp_path, bad_files):
    good = [{"tokens": ["Mara", "Lind", "left"], "ner_tags": ["B-PER", "I-PER", "O"]}] * 20
    short = bad_files("short", {"train": [*good, {"tokens": ["a", "b"], "ner_tags": ["O"]}], "validation": good})
    line = one_line_error(run(ner_recipe(tmp_path), tmp_path / "a", f"data.path={short!r}"))
    assert "split 'train', row 20: 2 words in column 'tokens' but 1 tags in column 'ner_tags'" in line
    line = one_line_error(run(ner_recipe(tmp_path), tmp_path / "b", "data.tags_column='pos_tags'"))
    assert "has no column 'pos_tags'" in line


def test_bad_qa_input(tmp_path, bad_files):
    context = "The mill was founded in 1887 by Mara Lind."
    row = {"question": "Who?", "context": context, "answers": {"text": ["Mara Lind"], "answer_start": [32]}}
    moved = {**row, "answers": {"text": ["Mara Lind"], "answer_start": [30]}}
    folder = bad_files("moved", {"train": [row] * 20, "validation": [row, moved]})
    line = one_line_error(run(qa_recipe(tmp_path), tmp_path / "a", f"data.path={folder!r}"))
    assert "split 'validation', row 1: answer 'Mara Lind' is not at answer_start 30 of column 'context'" in line
    line = one_line_error(run(qa_recipe(tmp_path), tmp_path / "d", "data.stride=32"))
    assert "data.stride=32 must be under half of data.max_length=64" in line
    line = one_line_error(run(qa_recipe(tmp_path), tmp_path / "c", "data.predict_questions=('Who?',)"))
    assert "data.predict_questions: give (question, context) pairs, not 'Who?'" in line
    line = one_line_error(run(qa_recipe(tmp_path), tmp_path / "b", "data.answers_column='answer'"))
    assert "has no column 'answer.text'" in line
