"""What the tests share: tiny architectures, tiny recipes, tiny models, and the checks several tests make.

One module, so no test module imports another. TensorFlow and transformers are imported
inside the helpers that need them: tests of recipes and data stay free of them.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tfhf.recipe import SAMPLES_DIR

SAMPLE = SAMPLES_DIR / "translation_en_fr.jsonl"

TIMING_KEYS = {
    "seconds",
    "samples_per_second",
    "eval_seconds",
    "xla_compile_seconds",
    "eval_and_checkpoint_seconds",
    "startup",
}


TINY_MARIAN = {
    "model_type": "marian",
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "max_position_embeddings": 64,
    "scale_embedding": True,
}


def sample_pairs(count):
    """The first `count` pairs of the bundled corpus, as dicts {'en': ..., 'fr': ...}."""
    with open(SAMPLE, encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(count), f)]


def write_recipe(folder, data_path, name="tiny.py", **train):
    """A tiny translation recipe file: runs end to end in seconds."""
    train = {"epochs": 1, "batch_size": 16, "learning_rate": 1e-3, **train}
    path = Path(folder) / name
    path.write_text(
        textwrap.dedent(
            f"""
            from tfhf.recipe import Eval, Generate, Model, Recipe, Seq2SeqData, Train
            recipe = Recipe(
                task="translation",
                model=Model(config={TINY_MARIAN!r}, tokenizer_vocab_size=300),
                data=Seq2SeqData(path={str(data_path)!r}, source_column="en", target_column="fr",
                                 max_source_length=32, max_target_length=32),
                train=Train(**{train!r}),
                eval=Eval(batch_size=8),
                generate=Generate(max_new_tokens=8, length_buckets=(8, 16)),
            )
            """
        )
    )
    return path


def without_timings(value):
    """metrics.json content without wall-clock measurements, which differ between equal runs."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    return value


def assert_repeats(run_dir, recipe_file):
    """Runs `recipe_file` again beside `run_dir` and checks the seeded metrics repeat exactly."""
    again = Path(run_dir).with_name(Path(run_dir).name + "_again")
    result = invoke("run", recipe_file, "--output-dir", again)
    assert result.exit_code == 0, result.output
    first, second = (json.loads((d / "metrics.json").read_text()) for d in (Path(run_dir), again))
    assert without_timings(first) == without_timings(second)


def predict_json(model_dir, *args):
    """The JSON lines `tfhf predict MODEL_DIR ARGS...` prints (it must succeed)."""
    result = invoke("predict", model_dir, *args)
    assert result.exit_code == 0, result.output[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


TINY_DISTILBERT = {"model_type": "distilbert", "dim": 16, "hidden_dim": 32, "n_layers": 1, "n_heads": 2}
TINY_BERT = {"model_type": "bert", "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
             "num_attention_heads": 2}  # fmt: skip


def write_task_recipe(
    folder, task, data_class, data, eval_settings=None, epochs=2, learning_rate=1e-3, config=TINY_DISTILBERT, train=None
):
    """A tiny recipe file of a task on a 16-wide model (a DistilBERT unless `config`): runs end to end in seconds.

    `train`: Train settings instead of epochs, batch 16 and `learning_rate`.
    """
    path = folder / "tiny.py"
    train = train or {"epochs": epochs, "batch_size": 16, "learning_rate": learning_rate}
    path.write_text(
        textwrap.dedent(
            f"""
            from tfhf.recipe import Eval, Model, Recipe, Train, {data_class}
            recipe = Recipe(
                task={task!r},
                model=Model(config={config!r}, tokenizer_vocab_size=400),
                data={data_class}(**{data!r}),
                train=Train(**{train!r}),
                eval=Eval(batch_size=16, **{eval_settings or {}!r}),
            )
            """
        )
    )
    return path


def invoke(*args, input=None, catch_exceptions=True):
    """`tfhf ARGS...` in this process (every test that runs tfhf comes through here); the click Result."""
    from click.testing import CliRunner

    from tfhf.cli import main

    return CliRunner().invoke(main, [str(arg) for arg in args], input=input, catch_exceptions=catch_exceptions)


def start_run(recipe, out, *overrides):
    """`tfhf run RECIPE --output-dir OUT --set ...` started as a process of its own, to be signalled."""
    command = [sys.executable, "-m", "tfhf.cli", "run", str(recipe), "--output-dir", str(out)]
    for override in overrides:
        command += ["--set", override]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_checkpoint(process, out, timeout=300, at_least=1):
    """The step of the first checkpoint at or past step `at_least` that `process` completes (`latest` names it)."""
    latest = Path(out) / "checkpoints" / "latest"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if latest.exists() and int(latest.read_text().split("-")[1]) >= at_least:
            return int(latest.read_text().split("-")[1])
        if process.poll() is not None:
            pytest.fail(f"the run ended before a checkpoint: {process.communicate()}")
        time.sleep(0.005)
    process.kill()
    pytest.fail("no checkpoint appeared")


def run(recipe, out, *overrides):
    """`tfhf run RECIPE --output-dir OUT --set ...` in this process; the click Result."""
    return invoke("run", recipe, "--output-dir", out, *(arg for override in overrides for arg in ("--set", override)))


TINY_GPT2 = {"model_type": "gpt2", "n_embd": 16, "n_layer": 1, "n_head": 2, "n_positions": 128}


def tiny_translation_setup(pairs=200):
    """(task, tokenizer, model, pairs): a freshly initialised 16-wide Marian and its BPE tokenizer."""
    from tfhf.data.tokenizer_training import train_tokenizer
    from tfhf.model.loading import build_model
    from tfhf.tasks import TASKS

    task = TASKS["translation"]
    rows = sample_pairs(pairs)
    tokenizer = train_tokenizer((text for row in rows for text in row.values()), vocab_size=300)
    model = build_model(task.model_class, TINY_MARIAN, **task.special_token_ids(tokenizer))
    model.build_in_name_scope()
    return task, tokenizer, model, rows


def save_checkpoint(folder, task_name, architecture, head, pytorch=False):
    """A freshly initialised model of `task_name` with a tokenizer trained on the bundled pairs, as a folder.

    `pytorch`: its weights only as PyTorch's model.safetensors, as most Hub checkpoints are.
    """
    from tfhf.data.tokenizer_training import train_tokenizer
    from tfhf.model.loading import build_model
    from tfhf.model.pytorch_weights import write_pytorch_weights
    from tfhf.tasks import TASKS

    task = TASKS[task_name]
    texts = [text for pair in sample_pairs(300) for text in pair.values()]
    tokenizer = train_tokenizer(iter(texts), vocab_size=300, style=task.tokenizer_style)
    model = build_model(task.model_class, {**architecture, **head}, **task.special_token_ids(tokenizer))
    model.build_in_name_scope()
    model.save_pretrained(folder)
    if pytorch:
        write_pytorch_weights(model, Path(folder))
        (Path(folder) / "tf_model.h5").unlink()
    tokenizer.save_pretrained(folder)
    return folder


def weights(run_dir):
    """{weight name: array} of a saved run, without the per-process numbering of Keras model names."""
    import h5py

    arrays = {}
    with h5py.File(Path(run_dir) / "tf_model.h5") as f:
        f.visititems(lambda name, item: arrays.update({name: item[()]}) if isinstance(item, h5py.Dataset) else None)
    return {re.sub(r"(classification|_model)_\d+/", r"\1/", name): array for name, array in arrays.items()}


def tokenized_splits(recipe_file, *overrides):
    """{split: datasets.Dataset} of `recipe_file` (with `overrides`), tokenized as a run tokenizes them."""
    from tfhf.recipe.loading import apply_overrides, load_recipe
    from tfhf.train import preparation

    recipe = apply_overrides(load_recipe(recipe_file), overrides)
    task = preparation.task_for(recipe)
    recipe, raw = preparation.load_data(recipe, task, log=lambda _: None)
    _, _, tokenized, _ = preparation.tokenize(recipe, task, raw, log=lambda _: None)
    return tokenized


def tokenized_cache_file(recipe_file, *overrides):
    """The datasets cache file the training split of `recipe_file` (with `overrides`) is tokenized into."""
    return tokenized_splits(recipe_file, *overrides)["train"].cache_files[0]["filename"]


def assert_predict_reproduces_predictions(run_dir, count=8):
    """`tfhf predict RUN_DIR` gives exactly the first `count` predictions the run saved in predictions.jsonl.

    Each row kind is asked the way `tfhf predict` takes it: a source to translate or
    summarize, a prompt to complete, a text to label or tag, a question with its context, a
    sentence with a mask.
    """
    rows = [json.loads(line) for line in (Path(run_dir) / "predictions.jsonl").read_text().splitlines()]
    assert rows, f"{run_dir} saved no predictions"
    checked = {}  # rows checked per kind (validation examples, the recipe's own inputs)
    for row in rows:
        kind = tuple(sorted(row))
        checked[kind] = checked.get(kind, 0) + 1
        if checked[kind] > count:
            continue
        if "tokens" in row:
            continue  # a validation sentence's word tags: tfhf predict answers with grouped entities instead
        if "reference" in row and "text" in row:  # a validation example of a classifier
            if isinstance(row["text"], str):
                [predicted] = predict_json(run_dir, row["text"])
                top = predicted["labels"][0]
                assert (top["label"], top["score"]) == (row["prediction"], row["score"]), (predicted, row)
        elif "source" in row:
            [predicted] = predict_json(run_dir, row["source"])
            assert predicted["outputs"][0] == row["prediction"], row
        elif "prompt" in row:
            [predicted] = predict_json(run_dir, row["prompt"])
            assert predicted["outputs"][0].startswith(row["prompt"]), row
            assert predicted["outputs"][0][len(row["prompt"]) :].strip() == row["completion"], (predicted, row)
        elif "question" in row:
            [predicted] = predict_json(run_dir, row["question"], "--context", row["context"])
            assert {key: predicted[key] for key in ("answer", "start", "end", "score")} == {
                key: row[key] for key in ("answer", "start", "end", "score")
            }
        elif "sentence" in row:
            [predicted] = predict_json(run_dir, row["sentence"])
            fills = [{key: fill[key] for key in ("token", "score")} for fill in predicted["fills"]]
            assert fills == row["after"], (predicted, row)
        elif "entities" in row:
            [predicted] = predict_json(run_dir, row["text"])
            assert predicted["entities"] == row["entities"], (predicted, row)
        elif isinstance(row["text"], str):  # a text pair cannot be given to tfhf predict
            [predicted] = predict_json(run_dir, row["text"])
            assert {item["label"]: item["score"] for item in predicted["labels"]} == row["scores"], (predicted, row)
            assert predicted["labels"][0]["label"] == row["label"]


def hub_environment(url, cache, offline=False, **extra):
    """os.environ pointed at the Hub at `url` with its own cache, without the test session's HF_ settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    env.update({"HF_ENDPOINT": url, "HF_HOME": str(cache), "HF_HUB_OFFLINE": "1" if offline else "0", **extra})
    return env


def tfhf_process(*args, env, timeout=900):
    """`tfhf ARGS` in a process of its own (huggingface_hub reads HF_ENDPOINT and HF_HUB_OFFLINE at import)."""
    return subprocess.run([sys.executable, "-m", "tfhf.cli", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip


def assert_pipeline_reproduces_predictions(run_dir, task, key, count=8):
    """TensorFlow's `pipeline(task, model=RUN_DIR)`, untouched, gives the run's first validation predictions."""
    from transformers import pipeline

    rows = [json.loads(line) for line in (Path(run_dir) / "predictions.jsonl").read_text().splitlines()][:count]
    pipe = pipeline(task, model=str(run_dir), framework="tf", dtype=None, model_kwargs={"use_safetensors": False})
    assert [output[key] for output in pipe([row["source"] for row in rows])] == [row["prediction"] for row in rows]


# The torch CPU wheel on these machines' pip path, installed once in a base environment the
# others see through a .pth file; in them, transformers as tfhf pins it (with peft, which loads
# LoRA adapters), and transformers 5 (no TensorFlow classes at all): what most of the Hub's
# users load models with.
TORCH = ["torch==2.13.0"]
PYTORCH_ENVIRONMENTS = {
    "transformers4": ["transformers==4.57.*", "tokenizers==0.22.*", "sentencepiece", "protobuf", "peft==0.21.*"],
    "transformers5": ["transformers>=5,<6", "sentencepiece", "protobuf"],
}
ROOT = Path(__file__).resolve().parents[1]


def pytorch_environment(name):
    """The python of .venv-pytorch-NAME: torch, PYTORCH_ENVIRONMENTS[name] and no TensorFlow, built once and kept."""
    base = python_environment(ROOT / ".venv-pytorch-base", TORCH)
    python = python_environment(ROOT / f".venv-pytorch-{name}", PYTORCH_ENVIRONMENTS[name], base)
    probe = "import importlib.util, torch; print(importlib.util.find_spec('tensorflow') is None, torch.__version__)"
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert found[0] == "True" and found[1].startswith(TORCH[0].split("==")[1]), found
    return python


def python_environment(folder, requirements, base=None):
    """The python of a venv in `folder` holding `requirements` (and `base`'s packages), built once and kept.

    Test files in other pytest-xdist workers ask for the same venv at the same time: one builds it while the
    others wait on a lock beside it (otherwise one worker deletes the folder another is installing into).
    """
    import fcntl
    import shutil

    python = folder / "bin" / "python"
    built_with = folder / "tfhf-requirements.txt"
    wanted = "\n".join([*requirements, str(base or "")])
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not python.exists() or not built_with.exists() or built_with.read_text() != wanted:
            shutil.rmtree(folder, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
            if base:
                (site_packages(python) / "tfhf-pytorch-base.pth").write_text(str(site_packages(base)) + "\n")
            install = [python, "-m", "pip", "install", "-q", *requirements]
            subprocess.run(install, check=True, timeout=1800)
            built_with.write_text(wanted)
    return python


def site_packages(python):
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip())
