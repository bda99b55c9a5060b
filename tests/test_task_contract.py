"""The task contract: a task written in one file runs through run, doctor and predict with no other edit,
and `tfhf doctor` checks exactly the first batch `tfhf run` trains on."""

import json
import re

import numpy as np
import pytest
from transformers import DataCollatorWithPadding, TFAutoModelForSequenceClassification

from tests.helpers import TINY_DISTILBERT, invoke
from tfhf.recipe import TextData
from tfhf.tasks import TASKS
from tfhf.tasks.base import Labels, Task, refuse_options
from tfhf.tasks.usage import Usage
from tfhf.train import batch_checks as doctor

VOWELS = "aeiouAEIOU"


class VowelStartUsage(Usage):
    """What `tfhf predict` answers for the vowel task: the model's guess per text."""

    name = "vowel-start"

    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        refuse_options(self.name, options)
        encoded = predictor.tokenizer(texts, padding=True, return_tensors="np")
        guesses = np.asarray(predictor.model(dict(encoded)).logits).argmax(-1)
        return [{"text": text, "vowel": bool(guess)} for text, guess in zip(texts, guesses)]

    def pipeline(self, model, tokenizer):
        return None  # predict uses the model itself


class VowelStartTask(Task):
    """Does the text start with a vowel? A task no module outside this file knows about."""

    name = "vowel-start"
    usage = VowelStartUsage()
    headline = "accuracy"
    model_class = TFAutoModelForSequenceClassification
    data_class = TextData
    tokenizer_style = "wordpiece"
    labels = Labels(classes=True)

    def columns(self, data):
        return [data.text_column]

    def text_columns(self, data):
        return [data.text_column]

    def tokenizer_corpus(self, split, data):
        yield from split[data.text_column]

    def head_config(self, data):
        return {"num_labels": 2, "id2label": {0: "consonant", 1: "vowel"}, "label2id": {"consonant": 0, "vowel": 1}}

    def preprocess(self, split, tokenizer, data):
        def tokenize(batch):
            features = tokenizer(batch[data.text_column], truncation=True, max_length=32)
            features["labels"] = [int(text[:1] in VOWELS) for text in batch[data.text_column]]
            return features

        return split.map(tokenize, batched=True, remove_columns=split.column_names)

    def collator(self, tokenizer, model, data):
        return DataCollatorWithPadding(tokenizer, return_tensors="np")

    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        texts = list(raw_validation[recipe.data.text_column])

        def evaluate(phase):
            encoded = tokenizer(texts, truncation=True, max_length=32, padding=True, return_tensors="np")
            guesses = np.asarray(model(dict(encoded)).logits).argmax(-1)
            truth = np.array([int(text[:1] in VOWELS) for text in texts])
            return {"accuracy": float((guesses == truth).mean())}, [{"text": texts[0], "guess": int(guesses[0])}]

        return evaluate


@pytest.fixture
def vowel_task(monkeypatch):
    monkeypatch.setitem(TASKS, VowelStartTask.name, VowelStartTask())


def vowel_recipe(folder, pairs_file):
    path = folder / "vowels.py"
    path.write_text(
        "from tfhf.recipe import Eval, Model, Recipe, TextData, Train\n"
        f"recipe = Recipe(task='vowel-start', model=Model(config={TINY_DISTILBERT!r}, tokenizer_vocab_size=300),\n"
        f"                data=TextData(path={str(pairs_file)!r}, text_column='en'),\n"
        "                train=Train(epochs=1, batch_size=16, learning_rate=1e-3), eval=Eval(batch_size=16))\n"
    )
    return path


def test_a_task_in_one_file_runs_through_run_doctor_and_predict(tmp_path, pairs_file, vowel_task):
    recipe = vowel_recipe(tmp_path, pairs_file)
    checked = invoke("doctor", recipe)
    assert checked.exit_code == 0, checked.output
    assert "labels in range" in checked.output and "loss at initialisation" in checked.output

    out = tmp_path / "run"
    result = invoke("run", recipe, "--output-dir", out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "vowel-start" and 0 <= metrics["after"]["accuracy"] <= 1

    predicted = invoke("predict", out, "Open the file", "Save it")
    assert predicted.exit_code == 0, predicted.output
    rows = [json.loads(line) for line in predicted.stdout.splitlines() if line.startswith("{")]
    assert [row["text"] for row in rows] == ["Open the file", "Save it"]
    assert all(isinstance(row["vowel"], bool) for row in rows)


def test_doctor_and_run_check_the_same_first_batch_under_a_global_batch_size(tmp_path, tiny_recipe_file, monkeypatch):
    seen = []
    original = doctor.first_batch

    def recording(batches):
        features, labels_in_y = original(batches)
        seen.append(features)
        return features, labels_in_y

    monkeypatch.setattr(doctor, "first_batch", recording)
    settings = ["--set", "train.global_batch_size=8", "--set", "train.batch_size=16"]
    assert invoke("doctor", tiny_recipe_file, *settings).exit_code == 0
    assert invoke("run", tiny_recipe_file, "--output-dir", tmp_path / "run", *settings).exit_code == 0
    checked, trained = seen
    assert checked.keys() == trained.keys()
    assert checked["input_ids"].shape[0] == 8
    for key in checked:
        np.testing.assert_array_equal(checked[key], trained[key], err_msg=key)


def test_no_task_name_or_task_class_appears_outside_the_tasks_package():
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "tfhf"
    names = "|".join(re.escape(name) for name in [*TASKS, "text2text-generation"])
    pattern = re.compile(rf"[\"']({names})[\"']|Seq2SeqTask|TextClassificationTask|CausalLMTask")
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py")
        if "tasks" not in path.relative_to(package).parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
