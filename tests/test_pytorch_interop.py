"""tfhf's outputs in PyTorch: every task's model loads with `AutoModelFor*` in an environment with torch and
no TensorFlow, and gives TensorFlow's logits; a run's card snippet runs there and generates what `tfhf predict` does."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from transformers import AutoTokenizer

from tests.helpers import (
    PYTORCH_ENVIRONMENTS,
    TINY_BERT,
    TINY_DISTILBERT,
    TINY_GPT2,
    TINY_MARIAN,
    invoke,
    pytorch_environment,
    save_checkpoint,
)
from tfhf.publish.model_card import write_model_card
from tfhf.publish.model_files import save_model_files
from tfhf.recipe import Model, Recipe
from tfhf.tasks import TASKS

pytestmark = pytest.mark.slow  # builds a PyTorch environment the first time (about a minute from this disk)

SIDE = Path(__file__).with_name("pytorch_side.py")

TINY_T5 = {"model_type": "t5", "d_model": 16, "d_ff": 32, "num_layers": 1, "num_heads": 2, "d_kv": 8}
TINY_MT5 = {**TINY_T5, "model_type": "mt5", "tie_word_embeddings": False}
CASES = {  # name: (task, architecture, head)
    "translation-marian": ("translation", TINY_MARIAN, {}),
    "summarization-t5": ("summarization", TINY_T5, {}),
    "summarization-mt5": ("summarization", TINY_MT5, {}),
    "text-generation-gpt2": ("text-generation", TINY_GPT2, {}),
    "fill-mask-distilbert": ("fill-mask", TINY_DISTILBERT, {}),
    "text-classification-bert": ("text-classification", TINY_BERT, {"id2label": {0: "a", 1: "b", 2: "c"}}),
    "token-classification-distilbert": ("token-classification", TINY_DISTILBERT, {"id2label": {0: "O", 1: "B-PER"}}),
    "question-answering-bert": ("question-answering", TINY_BERT, {}),
}


@pytest.fixture(scope="session", params=list(PYTORCH_ENVIRONMENTS))
def pytorch_python(request):
    """The python of an environment with torch and transformers and no TensorFlow."""
    return pytorch_environment(request.param)


def saved_output(folder, task_name, architecture, head):
    """A tiny model saved as a run saves it; biases and norms randomised, so a weight left behind shows."""
    save_checkpoint(folder, task_name, architecture, head)
    task = TASKS[task_name]
    model = task.model_class.from_pretrained(folder)
    for weight in model.weights:
        if "bias" in weight.name or "LayerNorm" in weight.name or "layer_norm" in weight.name:
            weight.assign(tf.random.normal(weight.shape, stddev=0.1, seed=len(weight.name)))
    recipe = Recipe(task=task_name, model=Model(), data=task.data_class(path="unused"))
    save_model_files(model, AutoTokenizer.from_pretrained(folder), task, recipe, folder)
    (folder / "tf_model.h5").unlink()  # PyTorch must manage with model.safetensors alone
    return model


def test_every_tasks_output_gives_tensorflows_logits_in_pytorch(tmp_path, pytorch_python):
    cases, expected = [], {}
    for name, (task_name, architecture, head) in CASES.items():
        folder = tmp_path / name
        model = saved_output(folder, task_name, architecture, head)
        ids = np.array([[5, 6, 7, 8, 9, 10, 11]])
        inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if model.config.is_encoder_decoder:
            inputs["decoder_input_ids"] = np.array([[0, 5, 6, 7]])
        outputs = model(inputs, training=False)
        expected[str(folder)] = {key: np.asarray(value) for key, value in outputs.items() if key.endswith("logits")}
        auto_class = TASKS[task_name].model_class.__name__.removeprefix("TF")
        cases.append({"folder": str(folder), "auto_class": auto_class, "inputs": {k: v.tolist() for k, v in inputs.items()},
                      "logits": list(expected[str(folder)])})  # fmt: skip
    request = tmp_path / "cases.json"
    request.write_text(json.dumps(cases))
    ran = subprocess.run([pytorch_python, SIDE, request], capture_output=True, text=True, timeout=900, check=False)
    assert ran.returncode == 0, ran.stderr[-3000:]
    results = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(CASES)
    for result in results:
        assert not result["tensorflow_imported"]
        assert result["missing"] == [] and result["unexpected"] == [], result
        for key, logits in expected[result["folder"]].items():
            np.testing.assert_allclose(np.asarray(result["logits"][key]), logits, atol=1e-4, err_msg=result["folder"])

    # Each output's model card: its PyTorch snippet runs as written, from the folder that holds the output.
    snippets = []
    for name, (task_name, _, _) in CASES.items():
        recipe = Recipe(task=task_name, model=Model(), data=TASKS[task_name].data_class(path="unused"))
        write_model_card(tmp_path / name, recipe.to_dict(), {}, TASKS[task_name], name)
        card = (tmp_path / name / "README.md").read_text()
        snippets.append(tmp_path / f"{name}.py")
        snippets[-1].write_text(next(block for block in python_blocks(card) if "framework" not in block))
    ran = subprocess.run([pytorch_python, SIDE, "--snippet", *snippets], cwd=tmp_path, capture_output=True, text=True,
                         timeout=900, check=False)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert len(ran.stdout.strip().splitlines()) >= len(CASES)  # each printed its result


def python_blocks(markdown):
    """The ```python blocks of a markdown text."""
    return [block.split("\n", 1)[1] for block in markdown.split("```")[1::2] if block.startswith("python")]


def test_a_runs_pytorch_card_snippet_runs_and_translates_as_tfhf_predict_does(
    tmp_path, tiny_recipe_file, pytorch_python
):
    out = tmp_path / "run"
    result = invoke("run", tiny_recipe_file, "--output-dir", out)
    assert result.exit_code == 0, result.output[-3000:]
    generation = json.loads((out / "generation_config.json").read_text())
    assert generation["max_new_tokens"] == 8 and generation.get("num_beams", 1) == 1  # the recipe's, not 20 tokens

    card = (out / "README.md").read_text()
    [snippet] = [block for block in python_blocks(card) if "framework" not in block]
    sources = [json.loads(line)["source"] for line in (out / "predictions.jsonl").read_text().splitlines()[:4]]
    script = tmp_path / "snippet.py"
    assert "num_beams=1, max_new_tokens=8)" in snippet  # PyTorch's own defaults are 4 beams, 256 tokens
    calls = f"[generate([source])[0] for source in {sources!r}]"
    script.write_text(snippet + f"\nimport json\nprint(json.dumps({calls}))\n")
    ran = subprocess.run(
        [pytorch_python, SIDE, "--snippet", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    in_pytorch = json.loads(ran.stdout.strip().splitlines()[-1])

    predicted = invoke("predict", out, *sources)
    assert predicted.exit_code == 0, predicted.output[-3000:]
    in_tensorflow = [json.loads(line)["outputs"][0] for line in predicted.stdout.splitlines() if line.startswith("{")]
    assert in_pytorch == in_tensorflow
