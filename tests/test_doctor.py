"""tfhf doctor catches the course's chapter 8 mistakes: each one made on purpose, each one caught."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from transformers import DistilBertConfig, TFDistilBertForSequenceClassification

from tests.helpers import TINY_DISTILBERT, invoke, without_timings, write_task_recipe
from tfhf.recipe import SAMPLES_DIR
from tfhf.tasks import TASKS
from tfhf.train import batch_checks as doctor

LABELS = {name: task.labels for name, task in TASKS.items()}


def tiny_classifier(num_labels):
    config = DistilBertConfig(**{k: v for k, v in TINY_DISTILBERT.items() if k != "model_type"}, num_labels=num_labels)
    model = TFDistilBertForSequenceClassification(config)
    model.build_in_name_scope()
    return model


def batch(labels, rows=4, length=6):
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 100, (rows, length))
    return {"input_ids": ids, "attention_mask": np.ones_like(ids), "labels": np.asarray(labels)}


def by_name(checks):
    return {check.name: check for check in checks}


def test_labels_inside_the_inputs_with_a_keras_loss_is_caught():
    import tensorflow as tf

    features = batch([0, 1, 1, 0])
    ids = tf.keras.Input((6,), name="input_ids", dtype="int32")
    labels = tf.keras.Input((), name="labels", dtype="int32")
    pooled = tf.keras.layers.GlobalAveragePooling1D()(tf.keras.layers.Embedding(100, 8)(ids))
    keras_model = tf.keras.Model({"input_ids": ids, "labels": labels}, tf.keras.layers.Dense(2)(pooled))
    keras_model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    inputs = {"input_ids": features["input_ids"].astype("int32"), "labels": features["labels"].astype("int32")}
    with pytest.raises(ValueError, match="Target data is missing"):  # what Keras itself does with it
        keras_model.fit(tf.data.Dataset.from_tensor_slices(inputs).batch(4), epochs=1, verbose=0)
    check = doctor.check_loss_wiring(keras_model, features, labels_in_y=False)
    assert check.status == "fail" and "Target data is missing" in check.detail
    assert doctor.check_loss_wiring(keras_model, features, labels_in_y=True).status == "pass"  # the course's (x, y)

    model = tiny_classifier(2)  # transformers copies labels from x to y, so the same mistake trains, wastefully
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert doctor.check_loss_wiring(model, features, labels_in_y=False).status == "warn"
    model.compile(optimizer="adam")  # transformers' default: the model's own loss
    assert doctor.check_loss_wiring(model, features, labels_in_y=False).status == "pass"


def test_num_labels_smaller_than_the_labels_is_caught_with_the_row_and_value():
    checks = by_name(doctor.diagnose(tiny_classifier(2), batch([0, 1, 3, 1]), LABELS["text-classification"], 1e-3))
    check = checks["labels in range"]
    assert check.status == "fail"
    assert "labels value 3 (batch row 2) is outside 0..1 (num_labels=2)" in check.detail
    assert "forward pass" not in checks  # not run on broken labels


def test_a_sane_batch_passes_and_the_overfit_steps_leave_the_model_unchanged():
    model = tiny_classifier(3)
    before = model.get_weights()
    checks = by_name(
        doctor.diagnose(model, batch([0, 1, 2, 1]), LABELS["text-classification"], 1e-2, label_values=[0, 1, 2])
    )
    assert {name: check.status for name, check in checks.items()} == dict.fromkeys(checks, "pass"), checks
    assert "the loss fell" in checks["overfit one batch"].detail
    assert "on 4 rows" in checks["overfit one batch"].detail  # all of a batch smaller than OVERFIT_ROWS
    for after, saved in zip(model.get_weights(), before):
        np.testing.assert_array_equal(after, saved)


def test_the_overfit_test_steps_on_a_slice_of_a_large_batch():
    labels = [0, 1, 2] * 7
    check = doctor.check_overfit(tiny_classifier(3), batch(labels, rows=len(labels)), 1e-2)
    assert check.status == "pass" and f"on {doctor.OVERFIT_ROWS} rows" in check.detail


def test_the_overfit_test_is_short_for_a_model_whose_step_on_8_rows_is_costly():
    class Model:  # what overfit_size reads of a model: all-MiniLM-L6-v2's size
        def __init__(self, encoder_decoder=False):
            self.config = SimpleNamespace(is_encoder_decoder=encoder_decoder)

        def count_params(self):
            return 22_700_000

    full, short = (doctor.OVERFIT_STEPS, doctor.OVERFIT_ROWS), (doctor.LARGE_MODEL_STEPS, doctor.LARGE_MODEL_ROWS)
    rows = {length: np.zeros((32, length), int) for length in (16, 64, 128)}
    assert doctor.overfit_size(Model(), {"input_ids": rows[64]}) == full  # 70 GFLOP a step on 8 rows
    assert doctor.overfit_size(Model(), {"input_ids": rows[128]}) == short  # 139 GFLOP
    # an encoder-decoder's decoder positions count too, from the labels it builds them from
    assert doctor.overfit_size(Model(True), {"input_ids": rows[64], "labels": rows[16]}) == full  # 87 GFLOP
    assert doctor.overfit_size(Model(True), {"input_ids": rows[64], "labels": rows[64]}) == short  # 139 GFLOP


def test_misplaced_ignore_labels_are_caught():
    tokens = {"input_ids": np.ones((2, 4), int), "attention_mask": np.array([[1, 1, 1, 0], [1, 1, 1, 1]])}
    padding_labelled = doctor.check_ignored_positions(
        {**tokens, "labels": np.array([[-100, 1, 2, 0], [-100, 1, 1, -100]])}, LABELS["token-classification"]
    )
    assert (
        padding_labelled[0].status == "fail"
        and "padding position 3 of batch row 0 has label 0" in padding_labelled[0].detail
    )
    all_ignored = doctor.check_ignored_positions(
        {**tokens, "labels": np.full((2, 4), -100)}, LABELS["token-classification"]
    )
    assert all_ignored[0].status == "fail" and "batch row 0 has -100 on every position" in all_ignored[0].detail
    hole = doctor.check_ignored_positions(
        {**tokens, "labels": np.array([[5, -100, 6], [5, 6, -100]])}, LABELS["translation"]
    )
    assert hole[0].status == "fail" and "batch row 0 has real labels after a -100" in hole[0].detail
    target_padding = doctor.check_ignored_positions(
        {**tokens, "labels": np.array([[5, 6, -100], [5, 6, 7]])}, LABELS["translation"]
    )
    assert target_padding[0].status == "pass"


def doctor_run(recipe, *overrides):
    args = ["doctor", str(recipe)]
    for override in overrides:
        args += ["--set", override]
    return invoke(*args)


def emotion_rows(count):
    with open(SAMPLES_DIR / "emotion" / "train.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(count), f)]


def classification_recipe(folder, rows):
    data_dir = folder / "data"
    data_dir.mkdir()
    for split in ("train", "validation"):
        with open(data_dir / f"{split}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(row) + "\n" for row in rows)
    data = {"path": str(data_dir), "max_length": 32}
    return write_task_recipe(folder, "text-classification", "ClassificationData", data, epochs=1)


def test_a_learning_rate_that_diverges_fails_the_overfit_test_and_stops_the_run(tmp_path):
    recipe = classification_recipe(tmp_path, emotion_rows(64))
    result = doctor_run(recipe, "train.learning_rate=30.0")
    assert result.exit_code == 1, result.output
    assert "FAIL  overfit one batch" in result.output and "lower train.learning_rate" in result.output
    assert "PASS  labels reach the loss" in result.output and "label:  " in result.output  # decoded example shown

    run = invoke("run", recipe, "--output-dir", tmp_path / "out", "--set", "train.learning_rate=30.0")
    assert run.exit_code == 2
    assert run.stderr.startswith("tfhf: error: preflight check 'overfit one batch' failed: the loss diverged")
    assert run.stderr.count("\n") == 1 and not (tmp_path / "out" / "metrics.json").exists()


def test_data_with_no_learnable_signal_is_caught(tmp_path):
    same_text = [{"text": "the same words every time", "label": row["label"]} for row in emotion_rows(64)]
    (tmp_path / "a").mkdir()
    result = doctor_run(classification_recipe(tmp_path / "a", same_text))
    assert result.exit_code == 1, result.output
    assert "FAIL  inputs differ" in result.output and "no signal to learn from" in result.output

    one_label = [{"text": row["text"], "label": "joy"} for row in emotion_rows(64)]
    (tmp_path / "b").mkdir()
    result = doctor_run(classification_recipe(tmp_path / "b", one_label))
    assert result.exit_code == 1, result.output
    assert "FAIL  labels vary" in result.output and "every training label is 0" in result.output


def test_the_preflight_checks_do_not_change_the_run(tmp_path):
    recipe = classification_recipe(tmp_path, emotion_rows(96))
    results = {}
    for preflight in (True, False):
        out = tmp_path / f"preflight_{preflight}"
        args = ["run", str(recipe), "--output-dir", str(out), "--set", f"train.preflight={preflight}"]
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert ("Preflight checks" in result.output) == preflight
        results[preflight] = without_timings(json.loads((out / "metrics.json").read_text()))
    assert results[True] == results[False]
