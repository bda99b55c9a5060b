"""The Colab notebooks (notebooks/) run top to bottom here, on CPU, shrunk through their parameters cell.

Each is executed by nbclient in a real IPython kernel, as Colab would run it: the install
cell runs pip on this checkout (a dry run), the device cells find no TPU or GPU and fall back to one
device (saying so), the runs download from the loopback Hub (tools/local_hub.py) and the TPU
notebook pushes back to it with a token that must never appear in an output. The notebooks
are committed without outputs, which is checked too.
"""

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers import hub_environment
from tests.test_course_setups import SETUPS, SHRUNK, assert_a_course_run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TOKEN = "hf_notebookSECRETtoken0123456789"
# The install cell resolves and builds this checkout as pip would install it, with --dry-run: the
# environment running the tests already has tfhf, and must not be re-pointed at another folder.
INSTALL_HERE = {"CHECKOUT": str(ROOT), "PIP_OPTIONS": "-q --dry-run --no-deps --no-build-isolation"}


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def output_text(cell):
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.extend(str(value) for value in output.get("data", {}).values())
        parts.extend(output.get("traceback", []))
    return "".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_a_notebook_is_valid_committed_without_outputs_and_has_one_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs before committing"
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters'"
    # Only the public interface: the tfhf command, never tfhf's modules.
    assert not any(re.search(r"^\s*(from|import) tfhf", cell.source, re.MULTILINE) for cell in code_cells(notebook))


def test_the_readme_badges_open_each_notebook_in_colab():
    readme = (ROOT / "README.md").read_text()
    linked = re.findall(
        r"https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/main/(notebooks/[\w.-]+)", readme
    )
    assert sorted(linked) == sorted(str(path.relative_to(ROOT)) for path in NOTEBOOKS)


def execute(name, folder, env, monkeypatch, **parameters):
    """Runs notebooks/NAME.ipynb in `folder` with `parameters` set after its parameters cell; returns it executed."""
    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    [index] = [i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])]
    values = {**INSTALL_HERE, **parameters}
    injected = nbformat.v4.new_code_cell("\n".join(f"{key} = {value!r}" for key, value in values.items()))
    notebook.cells.insert(index + 1, injected)
    # The kernel inherits this environment: the venv's `tfhf` on PATH, the loopback Hub, no accelerator.
    for key, value in {**env, "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}"}.items():
        monkeypatch.setenv(key, value)
    for key in ("COLAB_TPU_ADDR", "TPU_NAME"):
        monkeypatch.delenv(key, raising=False)
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    for cell in code_cells(notebook):
        assert "ERROR:" not in output_text(cell), output_text(cell)[-3000:]
    return notebook


def all_output(notebook):
    return "\n".join(output_text(cell) for cell in code_cells(notebook))


def last_value_of(notebook, source_start):
    [cell] = [cell for cell in code_cells(notebook) if cell.source.startswith(source_start)]
    return output_text(cell)


@pytest.mark.slow  # a whole run, or two, in a kernel
def test_the_quick_start_notebook_trains_and_predicts(tmp_path, monkeypatch):
    shrunk = ["data.max_train_samples=64", "data.max_eval_samples=16", "train.epochs=1", "train.preflight=False"]
    notebook = execute("quickstart", tmp_path, hub_environment("http://127.0.0.1:9", tmp_path / "hf", offline=True),
                       monkeypatch, SETTINGS=shrunk)  # fmt: skip
    metrics = json.loads((tmp_path / "runs" / "translation" / "metrics.json").read_text())
    assert metrics["after"]["bleu"] >= 0 and metrics["train"]["steps"] == 2
    assert f"bleu: {metrics['before']['bleu']} before training -> {metrics['after']['bleu']} after" in all_output(
        notebook
    )
    answers = [json.loads(line) for line in last_value_of(notebook, "answers =").splitlines() if line.startswith("{")]
    assert len(answers) == 2 and all(answer["outputs"] for answer in answers)


@pytest.mark.slow  # a whole run, or two, in a kernel
def test_the_tpu_notebook_falls_back_to_one_device_pushes_with_a_secret_token_and_predicts_from_the_hub(
    local_hub, tmp_path, monkeypatch
):
    url, hub_folder = local_hub
    env = hub_environment(url, tmp_path / "hf", HF_TOKEN=TOKEN)
    settings = [*SHRUNK, *SETUPS["translation_kde4"][0]]
    notebook = execute("tpu", tmp_path, env, monkeypatch, HUB_REPO_ID="me/kde4-notebook", SETTINGS=settings)
    text = all_output(notebook)
    assert "No TPU is reachable here" in text and "falling back to runtime.strategy=default" in text
    assert "the run pushes to me/kde4-notebook" in text
    assert_a_course_run(tmp_path / "runs" / "tpu", text, hub_folder)
    recipe = json.loads((tmp_path / "runs" / "tpu" / "recipe.json").read_text())
    assert recipe["runtime"]["strategy"] == "default" and recipe["hub"]["repo_id"] == "me/kde4-notebook"
    pushed = hub_folder / "models" / "me" / "kde4-notebook" / "main"
    assert {"config.json", "model.safetensors", "README.md", "metrics.json"} <= {p.name for p in pushed.iterdir()}
    # predicted from the pushed repo's id, downloaded back from the Hub
    assert "tfhf predict me/kde4-notebook" in text
    answers = [json.loads(line) for line in last_value_of(notebook, "answers =").splitlines() if line.startswith("{")]
    assert len(answers) == 2 and all(answer["outputs"] for answer in answers)
    # The token: in no output, and in no file of the run or of what was pushed.
    assert TOKEN not in text
    for folder in (tmp_path / "runs", pushed):
        assert not [path for path in folder.rglob("*") if path.is_file() and TOKEN.encode() in path.read_bytes()]


@pytest.mark.slow  # a whole run, or two, in a kernel
def test_the_gpu_notebook_falls_back_to_the_cpu_and_scores_a_sentence_pair(local_hub, tmp_path, monkeypatch):
    url, hub_folder = local_hub
    settings = [*SHRUNK, *SETUPS["text_classification_mrpc"][0]]
    notebook = execute("gpu", tmp_path, hub_environment(url, tmp_path / "hf"), monkeypatch, SETTINGS=settings)
    text = all_output(notebook)
    assert_a_course_run(tmp_path / "runs" / "gpu", text, hub_folder)
    assert "No GPU here" in text and "runtime.precision=auto uses float32 here" in text
    metrics = json.loads((tmp_path / "runs" / "gpu" / "metrics.json").read_text())
    assert {"accuracy", "f1"} <= set(metrics["after"])
    assert {baseline["name"] for baseline in metrics["baselines"]} >= {"majority_class"}
    [answer] = [json.loads(line) for line in last_value_of(notebook, "answers =").splitlines() if line.startswith("{")]
    assert {label["label"] for label in answer["labels"]} == set(
        json.loads((tmp_path / "runs" / "gpu" / "config.json").read_text())["id2label"].values()
    )
