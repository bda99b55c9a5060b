"""A real pretrained checkpoint, fine-tuned: sentence-transformers/all-MiniLM-L6-v2 from the package registry.

Its Hub folder (PyTorch-format model.safetensors with a legacy buffer, a WordPiece
tokenizer.json) comes through tools/real_checkpoints.py; the local Hub serves the same
files under its Hub id. The quality check compares two models on real text (docstrings of
four standard-library packages, written by people): the checkpoint against the same recipe
from scratch, same data and steps; the fine-tuned output reloads in PyTorch with the same
logits. Nothing here scores tfhf's own generated text.
"""

import importlib.util
import json
import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import hub_environment, pytorch_environment, run, tfhf_process
from tfhf.model.loading import load_checkpoint
from tfhf.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
UNUSED_BY_TASK_HEADS = {"embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"}


def tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def minilm():
    """The checkpoint's folder (downloaded from the package registry once, then cached)."""
    return tool("real_checkpoints").fetch()


@pytest.fixture(scope="session")
def docstrings(tmp_path_factory):
    """Real labelled text: docstrings of four standard-library packages, labelled with their package."""
    rows = tool("real_data").stdlib_package_docstrings(["asyncio", "email", "tkinter", "logging"])
    random.Random(0).shuffle(rows)
    path = tmp_path_factory.mktemp("docstrings") / "docstrings.jsonl"
    path.write_text("".join(json.dumps({"text": r["body"], "label": r["library"]}) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    ("task_name", "head"),
    [
        ("text-classification", {"classifier.weight", "classifier.bias"}),
        ("token-classification", {"classifier.weight", "classifier.bias"}),
        ("question-answering", {"qa_outputs.weight", "qa_outputs.bias"}),
    ],
)
def test_each_head_loads_on_the_checkpoint_with_nothing_new_but_the_head(minilm, task_name, head):
    task = TASKS[task_name]
    model, loaded = load_checkpoint(task.model_class, str(minilm), num_labels=3)
    assert set(loaded.new) == head
    assert set(loaded.unused) <= UNUSED_BY_TASK_HEADS and "embeddings.position_ids" in loaded.unused
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6
    assert loaded.describe(str(minilm), len(model.weights))[1].startswith("new, initialised at random")


SAME_DATA_AND_STEPS = [
    "data.validation_fraction=0.2", "data.max_length=48", "data.max_train_samples=320", "train.epochs=2",
    "train.batch_size=16", "data.predict_texts=()", "eval.each_epoch=False", "eval.best_metric=None",
    "train.preflight=False",
]  # fmt: skip


@pytest.mark.slow  # two whole runs, one of a 22.7M-parameter model
def test_a_short_fine_tune_on_real_text_beats_the_same_recipe_from_scratch(minilm, docstrings, tmp_path):
    recipe = ROOT / "recipes" / "text_classification.py"
    settings = [f"data.path={str(docstrings)!r}", *SAME_DATA_AND_STEPS]
    pretrained = run(recipe, tmp_path / "pretrained", *settings, f"model.checkpoint={str(minilm)!r}",
                     "train.learning_rate=1e-4")  # fmt: skip
    assert pretrained.exit_code == 0, pretrained.output[-3000:]
    assert "evaluation before training: skipped, as classifier.weight is new and random" in pretrained.output
    scratch = run(recipe, tmp_path / "scratch", *settings)
    assert scratch.exit_code == 0, scratch.output[-3000:]
    scores = {name: json.loads((tmp_path / name / "metrics.json").read_text()) for name in ("pretrained", "scratch")}
    assert scores["pretrained"]["train"]["steps"] == scores["scratch"]["train"]["steps"] == 2 * 320 // 16
    assert scores["pretrained"]["after"]["accuracy"] > scores["scratch"]["after"]["accuracy"]
    card = (tmp_path / "pretrained" / "README.md").read_text()
    assert "model.config" not in card and "tokenizer_vocab_size" not in card  # the checkpoint brought its own
    assert_pytorch_gives_the_same_predictions(tmp_path / "pretrained", docstrings)


def assert_pytorch_gives_the_same_predictions(folder, docstrings):
    """PyTorch transformers, in an environment without TensorFlow, loads the fine-tuned output's model.safetensors
    and gives TensorFlow's logits on real texts, so the same predicted labels."""
    from transformers import AutoTokenizer

    texts = [json.loads(line)["text"] for line in docstrings.read_text().splitlines()[:8]]
    inputs = dict(AutoTokenizer.from_pretrained(folder)(texts, padding=True, truncation=True, max_length=48,
                                                        return_tensors="np"))  # fmt: skip
    model = load_checkpoint(TASKS["text-classification"].model_class, str(folder))[0]  # its tf_model.h5
    expected = model(inputs, training=False).logits.numpy()
    request = folder.parent / "cases.json"
    case = {"folder": str(folder), "auto_class": "AutoModelForSequenceClassification", "logits": ["logits"],
            "inputs": {key: value.tolist() for key, value in inputs.items()}}  # fmt: skip
    request.write_text(json.dumps([case]))
    python = pytorch_environment("transformers5")
    ran = subprocess.run([python, ROOT / "tests" / "pytorch_side.py", request], capture_output=True, text=True,
                         timeout=900, check=False)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    [result] = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    assert not result["tensorflow_imported"] and result["missing"] == [] and result["unexpected"] == []
    logits = np.asarray(result["logits"]["logits"])
    np.testing.assert_allclose(logits, expected, atol=1e-4)
    assert (logits.argmax(-1) == expected.argmax(-1)).all()


@pytest.mark.slow  # a whole run in a process of its own, and a push
def test_the_course_setup_fine_tunes_the_checkpoint_by_its_hub_id_and_pushes_it(local_hub, tmp_path):
    url, hub_folder = local_hub
    served = Path(hub_folder, "models", HUB_ID, "main")
    assert (
        tool("real_checkpoints").sha256(served / "model.safetensors") == tool("real_checkpoints").MINILM.weights_sha256
    )
    env = hub_environment(url, tmp_path / "hf", HF_TOKEN="hf_course")
    out = tmp_path / "run"
    shrunk = ["data.max_train_samples=32", "data.max_eval_samples=8", "train.batch_size=8", "train.epochs=1",
              "train.preflight=False", "data.max_length=32", "hub.repo_id='me/minilm-emotion'"]  # fmt: skip
    ran = tfhf_process("run", ROOT / "recipes/course/text_classification_emotion_minilm.py", "--output-dir", out,
                       *(f"--set={o}" for o in shrunk), env=env)  # fmt: skip
    assert ran.returncode == 0, (ran.stdout + ran.stderr)[-4000:]
    assert f"weights from {HUB_ID} (PyTorch model.safetensors, read without torch)" in ran.stdout
    assert "This IS expected" not in ran.stdout + ran.stderr  # transformers' own warnings: said by tfhf instead
    pushed = Path(hub_folder, "models", "me", "minilm-emotion", "main")
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= {p.name for p in pushed.iterdir()}
    assert f"base_model: {HUB_ID}" in (pushed / "README.md").read_text()
    predicted = tfhf_process("predict", "me/minilm-emotion", "what a lovely day", env=env)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    assert json.loads(predicted.stdout.strip().splitlines()[-1])["labels"]
