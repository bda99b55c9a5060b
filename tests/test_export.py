"""`tfhf export`: a SavedModel with a serving signature and a TFLite model, each giving the Python model's logits;
an int8 TFLite model scored beside the float one."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import TINY_DISTILBERT, TINY_MARIAN, invoke, run, save_checkpoint, write_task_recipe
from tfhf.model.loading import load_pretrained_model
from tfhf.publish.run_dir import marker
from tfhf.recipe import SAMPLES_DIR
from tfhf.tasks import TASKS

pytestmark = pytest.mark.slow  # several exports or runs, over 15 s: CI runs it, `pytest -m "not slow"` skips it

IDS = np.array([[5, 6, 7, 8, 9], [10, 11, 12, 2, 0]], dtype=np.int32)
MASK = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=np.int32)
ENCODERS = {
    "text-classification": {"id2label": {0: "a", 1: "b"}},
    "token-classification": {"id2label": {0: "O", 1: "B-PER", 2: "I-PER"}},
    "question-answering": {},
    "fill-mask": {},
}


def python_logits(folder, task_name):
    model = TASKS[task_name].model_class.from_pretrained(folder)
    outputs = model({"input_ids": IDS, "attention_mask": MASK}, training=False)
    return {key: np.asarray(value) for key, value in outputs.items() if key.endswith("logits")}


@pytest.mark.parametrize("task_name", list(ENCODERS))
def test_a_saved_model_and_a_tflite_model_give_the_python_models_logits(tmp_path, task_name):
    folder = save_checkpoint(tmp_path / "model", task_name, TINY_DISTILBERT, ENCODERS[task_name])
    expected = python_logits(folder, task_name)

    assert invoke("export", folder, "--format", "saved_model").exit_code == 0
    serve = tf.saved_model.load(str(folder / "export" / "saved_model")).signatures["serving_default"]
    served = serve(input_ids=tf.constant(IDS), attention_mask=tf.constant(MASK))
    for key, logits in expected.items():
        np.testing.assert_allclose(served[key].numpy(), logits, atol=1e-4, err_msg=key)

    assert invoke("export", folder, "--format", "tflite").exit_code == 0
    interpreter = tf.lite.Interpreter(model_path=str(folder / "export" / "model.tflite"))
    inputs = {
        detail["name"].split(":")[0].removeprefix("serving_default_"): detail
        for detail in interpreter.get_input_details()
    }
    for name, array in (("input_ids", IDS), ("attention_mask", MASK)):
        interpreter.resize_tensor_input(inputs[name]["index"], array.shape)
    interpreter.allocate_tensors()
    for name, array in (("input_ids", IDS), ("attention_mask", MASK)):
        interpreter.set_tensor(inputs[name]["index"], array)
    interpreter.invoke()
    found = [interpreter.get_tensor(detail["index"]) for detail in interpreter.get_output_details()]
    for logits in expected.values():
        assert any(out.shape == logits.shape and np.allclose(out, logits, atol=1e-4) for out in found)


def test_a_generating_tasks_saved_model_runs_generate_as_the_python_model_does(tmp_path):
    folder = save_checkpoint(tmp_path / "model", "translation", TINY_MARIAN, {})
    result = invoke("export", folder, "--batch-size", "2", "--length", "16")
    assert result.exit_code == 0, result.output[-3000:]
    assert "generate takes exactly 2 row(s) of 16 tokens" in result.output
    ids = np.zeros((2, 16), np.int32)
    ids[0, :5], ids[1, :4] = [5, 6, 7, 8, 1], [9, 10, 11, 1]
    mask = (ids != 0).astype(np.int32)
    generate = tf.saved_model.load(str(folder / "export" / "saved_model")).signatures["serving_default"]
    exported = generate(input_ids=tf.constant(ids), attention_mask=tf.constant(mask))["sequences"].numpy()
    model = TASKS["translation"].model_class.from_pretrained(folder)
    np.testing.assert_array_equal(exported, model.generate(input_ids=ids, attention_mask=mask).numpy())

    refused = invoke("export", folder, "--format", "tflite")
    assert refused.exit_code == 2 and "TFLite cannot convert `generate`'s loop" in refused.stderr


def interpreter_logits(path, ids, mask):
    runner = tf.lite.Interpreter(model_path=str(path)).get_signature_runner()
    return runner(input_ids=ids, attention_mask=mask)["logits"]


def test_an_int8_tflite_model_is_smaller_close_to_the_float_one_and_scored_beside_it(tmp_path):
    data = {"path": str(SAMPLES_DIR / "emotion"), "max_train_samples": 200, "max_eval_samples": 48, "max_length": 32}
    recipe = write_task_recipe(tmp_path, "text-classification", "ClassificationData", data, epochs=1)
    out = tmp_path / "run"
    assert run(recipe, out, "train.preflight=False").exit_code == 0
    assert invoke("export", out, "--format", "tflite").exit_code == 0

    result = invoke("export", out, "--format", "tflite", "--quantize", "int8")
    assert result.exit_code == 0, result.output[-3000:]
    quantized, floating = out / "export" / "model.int8.tflite", out / "export" / "model.tflite"
    assert quantized.stat().st_size < floating.stat().st_size
    model = load_pretrained_model(TASKS["text-classification"].model_class, str(out))  # the run's PyTorch names
    expected = model({"input_ids": IDS, "attention_mask": MASK}, training=False).logits.numpy()
    np.testing.assert_allclose(interpreter_logits(floating, IDS, MASK), expected, atol=1e-4)
    np.testing.assert_allclose(interpreter_logits(quantized, IDS, MASK), expected, atol=0.05 * np.abs(expected).max())

    report = json.loads((out / "export" / "quantization.json").read_text())
    assert report["split"] == "validation" and report["examples"] == 48
    assert report["bytes"]["int8"] == quantized.stat().st_size < report["bytes"]["float"]
    assert {"accuracy", "f1"} <= report["scores"]["float"].keys() and {"accuracy", "f1"} <= report["scores"][
        "int8"
    ].keys()
    run_scores = json.loads((out / "metrics.json").read_text())["after"]
    assert report["scores"]["float"]["accuracy"] == pytest.approx(run_scores["accuracy"])
    for name in ("float", "int8"):
        assert f"  {name:5}  accuracy {report['scores'][name]['accuracy']:.4g}" in result.output
    assert {"export/model.int8.tflite", "export/quantization.json"} <= set(marker(out)["files"])


def test_quantizing_is_refused_for_generating_tasks_and_saved_models(tmp_path):
    folder = save_checkpoint(tmp_path / "model", "translation", TINY_MARIAN, {})
    refused = invoke("export", folder, "--format", "tflite", "--quantize", "int8")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("tfhf: error: --quantize int8 is for encoder tasks' TFLite models; ")
    assert refused.stderr.strip().endswith("generates text") and refused.stderr.count("\n") == 1
    refused = invoke("export", folder, "--quantize", "int8")
    assert refused.exit_code == 2 and "--quantize int8 is for --format tflite" in refused.stderr
