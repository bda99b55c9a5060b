"""LoRA (train.lora_rank): what trains, the merged model files and PEFT's adapter, resume, mixed precision,
the mirrored strategy, and the adapter loaded by PyTorch's peft onto the base checkpoint."""

import json
import random
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from tests.helpers import (
    TINY_BERT,
    TINY_DISTILBERT,
    TINY_GPT2,
    TINY_MARIAN,
    invoke,
    pytorch_environment,
    run,
    save_checkpoint,
    start_run,
    wait_for_checkpoint,
    weights,
    write_task_recipe,
)
from tfhf.errors import TfhfError
from tfhf.recipe import SAMPLES_DIR, Model, Recipe, Train

EMOTION = {"path": str(SAMPLES_DIR / "emotion"), "max_train_samples": 64, "max_eval_samples": 16, "max_length": 32}
LORA = ("train.lora_rank=4", "train.lora_alpha=8")
INPUTS = {
    "input_ids": [[5, 6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 0, 0, 0]],
    "attention_mask": [[1] * 7, [1] * 4 + [0] * 3],
}
PEFT_SIDE = Path(__file__).with_name("peft_side.py")


def classification_base(folder, architecture=TINY_DISTILBERT, pytorch=True, **head):
    """A masked-LM checkpoint: a classification run on it gets a new head."""
    return save_checkpoint(folder, "fill-mask", architecture, head, pytorch=pytorch)


def loaded_with_lora(base, **settings):
    """A classifier loaded from `base` with LoRA of rank 4 applied: (model, Lora)."""
    from tfhf.model.loading import load_pretrained_model, new_weights
    from tfhf.model.lora import apply_lora
    from tfhf.tasks import TASKS

    model = load_pretrained_model(TASKS["text-classification"].model_class, str(base), num_labels=3)
    return model, apply_lora(model, Train(lora_rank=4, **settings), new_weights(model))


def train_a_few_steps(model, steps=3):
    import tensorflow as tf
    import tf_keras

    rng = np.random.default_rng(0)
    rows = {"input_ids": rng.integers(5, 250, (8 * steps, 12)), "attention_mask": np.ones((8 * steps, 12), int)}
    rows["labels"] = rng.integers(0, 3, 8 * steps)
    model.compile(optimizer=tf_keras.optimizers.legacy.Adam(1e-2))  # the model computes its own loss
    model.fit(tf.data.Dataset.from_tensor_slices(rows).batch(8), epochs=1, verbose=0)


def scoped(weight):
    return weight.name.split("/", 1)[1]


def logits(model):
    return model({key: np.array(value) for key, value in INPUTS.items()}, training=False).logits.numpy()


@pytest.mark.parametrize("pytorch", [True, False], ids=["pytorch-checkpoint", "tensorflow-checkpoint"])
def test_only_the_adapters_and_the_new_head_train(tmp_path, pytorch):
    model, lora = loaded_with_lora(classification_base(tmp_path / "base", pytorch=pytorch))
    adapters = [f"distilbert/transformer/layer_._0/attention/{layer}/lora/lora_{m}:0" for layer in ("q_lin", "v_lin")
                for m in "AB"]  # fmt: skip
    head = [f"{layer}/{weight}:0" for layer in ("pre_classifier", "classifier") for weight in ("kernel", "bias")]
    assert sorted(scoped(weight) for weight in model.trainable_weights) == sorted(adapters + head)
    assert lora.trained == sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    assert lora.total == sum(int(np.prod(weight.shape)) for weight in model.weights)
    assert lora.trained < 0.1 * lora.total
    assert sorted(lora.heads) == ["classifier", "pre_classifier"]

    before = {weight.name: weight.numpy() for weight in model.weights}
    train_a_few_steps(model)
    changed = {weight.name for weight in model.weights if not np.array_equal(before[weight.name], weight.numpy())}
    assert changed == {weight.name for weight in model.trainable_weights}  # nothing frozen moved


def test_a_from_scratch_model_trains_its_task_head_and_a_loaded_head_stays_frozen(tmp_path):
    from tfhf.model.loading import build_model
    from tfhf.model.lora import apply_lora
    from tfhf.tasks import TASKS

    model_class = TASKS["text-classification"].model_class
    scratch = build_model(model_class, {**TINY_DISTILBERT, "vocab_size": 300}, num_labels=3)
    lora = apply_lora(scratch, Train(lora_rank=2), None)
    assert sorted(lora.heads) == ["classifier", "pre_classifier"]  # PEFT's head for SEQ_CLS, pre_classifier with it
    # A checkpoint that has the head already: only the adapters train
    base = save_checkpoint(tmp_path / "cls", "text-classification", TINY_DISTILBERT, {"num_labels": 3}, pytorch=True)
    model, lora = loaded_with_lora(base)
    assert lora.heads == {} and all("/lora/" in weight.name for weight in model.trainable_weights)


def test_modules_to_save_train_in_full_beside_the_adapters_and_go_into_the_adapter_for_peft(tmp_path):
    from tfhf.model.peft_adapter import adapter_tensors, saved_heads, write_adapter

    # A classification checkpoint has its pooler and head: by default only the adapters train
    base = save_checkpoint(tmp_path / "cls", "text-classification", TINY_BERT, {"num_labels": 3}, pytorch=True)
    model, lora = loaded_with_lora(base, lora_modules_to_save=("pooler",))
    # peft's rule: a module whose path ends with the name, with every layer inside it (BertPooler's dense)
    assert sorted(lora.heads) == ["bert.pooler.dense"]
    in_full = {scoped(weight) for weight in model.trainable_weights if "/lora/" not in weight.name}
    assert in_full == {"bert/pooler/dense/kernel:0", "bert/pooler/dense/bias:0"}
    assert "and in full bert.pooler.dense" in lora.describe()

    before = {weight.name: weight.numpy() for weight in model.weights}
    train_a_few_steps(model)
    changed = {weight.name for weight in model.weights if not np.array_equal(before[weight.name], weight.numpy())}
    assert changed == {weight.name for weight in model.trainable_weights}

    folder = write_adapter(model, tmp_path, str(base))
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["modules_to_save"] == ["bert.pooler.dense", "classifier"]  # classifier: peft's own for SEQ_CLS
    tensors = load_file(folder / "adapter_model.safetensors")
    np.testing.assert_array_equal(tensors["base_model.model.bert.pooler.dense.weight"],
                                  model.bert.pooler.dense.kernel.numpy().T)  # fmt: skip

    # transformers' TF embeddings layer holds the tables of three PyTorch modules: it goes by the one holding them
    model, lora = loaded_with_lora(base, lora_modules_to_save=("embeddings",))
    assert sorted(lora.heads) == ["bert.embeddings", "bert.embeddings.LayerNorm"]
    tables = {f"base_model.model.bert.embeddings.{table}.weight" for table in
              ("word_embeddings", "position_embeddings", "token_type_embeddings", "LayerNorm")}  # fmt: skip
    assert tables <= set(adapter_tensors(model, lora, saved_heads(model, lora)))
    with pytest.raises(TfhfError, match=r"'word_embeddings' .*its weights are part of bert\.embeddings, name that"):
        loaded_with_lora(base, lora_modules_to_save=("word_embeddings",))
    # a name above the adapted layers takes their own weights, never the adapters themselves
    model, lora = loaded_with_lora(base, lora_modules_to_save=("attention",))
    assert lora.heads and not any(path.endswith(".lora") for path in lora.heads)


TINY_T5 = {"model_type": "t5", "d_model": 16, "d_ff": 32, "num_layers": 1, "num_heads": 2, "d_kv": 8}


@pytest.mark.parametrize(
    ("task_name", "architecture", "adapted"),
    [
        ("text-classification", TINY_BERT, ["bert.encoder.layer.0.attention.self.query",
                                            "bert.encoder.layer.0.attention.self.value"]),
        ("translation", TINY_MARIAN, [f"model.{stack}.layers.0.{attention}.{p}_proj" for stack, attention in
                                      [("encoder", "self_attn"), ("decoder", "self_attn"), ("decoder", "encoder_attn")]
                                      for p in "qv"]),
        ("summarization", TINY_T5, [f"{stack}.block.0.layer.{i}.{attention}.{p}" for stack, i, attention in
                                    [("encoder", 0, "SelfAttention"), ("decoder", 0, "SelfAttention"),
                                     ("decoder", 1, "EncDecAttention")] for p in "qv"]),
        ("summarization", {**TINY_T5, "model_type": "mt5", "tie_word_embeddings": False}, 6),
        ("text-generation", TINY_GPT2, ["transformer.h.0.attn.c_attn"]),
    ],
    ids=["bert", "marian", "t5", "mt5", "gpt2"],
)  # fmt: skip
def test_each_architecture_gets_its_default_targets_and_its_merged_copy_computes_what_the_adapters_do(
    task_name, architecture, adapted
):
    from tfhf.model.loading import build_model
    from tfhf.model.lora import apply_lora, merged_copy
    from tfhf.tasks import TASKS

    task = TASKS[task_name]
    model = build_model(task.model_class, {**architecture, "vocab_size": 300}, num_labels=3, pad_token_id=0,
                        decoder_start_token_id=0, eos_token_id=1)  # fmt: skip
    lora = apply_lora(model, Train(lora_rank=2), None)
    paths = sorted(one.path for one in lora.adapted)
    assert paths == sorted(adapted) if isinstance(adapted, list) else len(paths) == adapted, paths
    for one in lora.adapted:  # B = 0 adds nothing: give the adapters something to add
        one.adapter.lora_B.assign(np.random.default_rng(0).normal(size=one.adapter.lora_B.shape) * 0.5)
    inputs = {key: np.array(value) for key, value in INPUTS.items()}
    if model.config.is_encoder_decoder:
        inputs["decoder_input_ids"] = np.array([[0, 5, 6], [0, 7, 8]])
    adapted_logits = model(inputs, training=False).logits.numpy()
    copy = merged_copy(model)
    assert not [weight.name for weight in copy.weights if "lora" in weight.name]
    # merged (W + s·BA)x and adapted Wx + s·(xA)B differ by float32 rounding, which scales with the largest
    # logits (mT5's reach ~10: 2.5e-5 was seen), not with each one
    tolerance = 1e-5 * max(1.0, float(np.abs(adapted_logits).max()))
    np.testing.assert_allclose(copy(inputs, training=False).logits.numpy(), adapted_logits, rtol=0, atol=tolerance)
    assert all(weight.trainable for weight in copy.trainable_weights) and len(copy.trainable_weights) > len(paths)


def test_lora_settings_that_cannot_apply_are_refused_in_one_line_naming_the_setting(tmp_path):
    from tfhf.model.loading import build_model
    from tfhf.model.lora import apply_lora
    from tfhf.tasks import TASKS

    base = classification_base(tmp_path / "base")
    with pytest.raises(TfhfError, match=r"^train\.lora_targets: 'q_lni' names no linear layer .*did you mean q_lin"):
        loaded_with_lora(base, lora_targets=("q_lni",))
    with pytest.raises(TfhfError, match=r"^train\.lora_modules_to_save: 'poolr' names no module of TFDistilBert"):
        loaded_with_lora(base, lora_modules_to_save=("poolr",))
    roberta = {"model_type": "roberta", "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
               "num_attention_heads": 2, "vocab_size": 300}  # fmt: skip
    model = build_model(TASKS["text-classification"].model_class, roberta, num_labels=2)
    with pytest.raises(TfhfError, match=r"^train\.lora_targets: tfhf has no default LoRA targets for a 'roberta'"):
        apply_lora(model, Train(lora_rank=4), None)
    assert len(apply_lora(model, Train(lora_rank=4, lora_targets=("query", "value")), None).adapted) == 2

    recipe = write_task_recipe(tmp_path, "text-classification", "ClassificationData", EMOTION, epochs=1)
    for setting, message in [
        ("train.lora_targets=('q_lin',)", "train.lora_targets needs train.lora_rank above 0"),
        ("train.lora_modules_to_save=('pooler',)", "train.lora_modules_to_save needs train.lora_rank above 0"),
        ("train.lora_dropout=1.0", "train.lora_dropout must be from 0 up to (not including) 1"),
        ("train.lora_rank=-1", "train.lora_rank must be at least 0"),
    ]:
        result = run(recipe, tmp_path / "refused", setting)
        assert result.exit_code == 2 and message in result.stderr, result.output
    result = run(recipe, tmp_path / "refused", "train.lora_rank=4", "train.lora_targets=('nope',)")
    assert result.exit_code == 2, result.output
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("tfhf: error: train.lora_targets: 'nope' names no linear layer of TFDistilBert")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "refused").exists()  # refused before anything was written

    keys = invoke("keys", recipe)
    assert all(f"train.lora_{name}" in keys.output for name in ("rank", "alpha", "dropout", "targets",
                                                                 "modules_to_save"))  # fmt: skip


def test_saved_model_files_hold_the_merged_weights_and_saving_leaves_the_trained_model_as_it_was(tmp_path):
    from transformers import AutoTokenizer

    from tfhf.model.lora import lora_of
    from tfhf.publish.model_files import save_model_files
    from tfhf.tasks import TASKS

    base = classification_base(tmp_path / "base")
    model, _ = loaded_with_lora(base)
    train_a_few_steps(model)
    expected, before = logits(model), [weight.numpy() for weight in model.weights]
    task = TASKS["text-classification"]
    recipe = Recipe(task=task.name, model=Model(checkpoint=str(base)), data=task.data_class(path="unused"),
                    train=Train(lora_rank=4))  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(base)
    draws = random.getstate()  # what unseeded Keras initializers draw from here (no tf.keras.utils.set_random_seed)
    for folder in ("first", "second"):  # a push during training, then the final save
        (tmp_path / folder).mkdir()
        save_model_files(model, tokenizer, task, recipe, tmp_path / folder)

    assert random.getstate() == draws  # the merged copy's throwaway initial values took no draws from training's
    assert lora_of(model) is not None and np.array_equal(logits(model), expected)
    assert all(np.array_equal(a, weight.numpy()) for a, weight in zip(before, model.weights, strict=True))
    first, second = weights(tmp_path / "first"), weights(tmp_path / "second")
    assert first.keys() == second.keys() and not [name for name in first if "lora" in name]
    assert all(np.array_equal(first[name], second[name]) for name in first)
    pytorch_weights = load_file(tmp_path / "first" / "model.safetensors")
    assert not [name for name in pytorch_weights if "lora" in name]

    from transformers import TFAutoModelForSequenceClassification

    merged = TFAutoModelForSequenceClassification.from_pretrained(tmp_path / "first", use_safetensors=False)
    np.testing.assert_allclose(logits(merged), expected, atol=1e-6)
    assert np.abs(logits(merged) - logits(loaded_with_lora(base)[0])).max() > 1e-3  # training changed the outputs


@pytest.mark.slow
def test_a_lora_run_trains_adapters_and_head_only_and_its_folder_works_with_predict_and_eval(tmp_path):
    base = classification_base(tmp_path / "base")
    recipe = write_task_recipe(tmp_path, "text-classification", "ClassificationData", EMOTION, epochs=1,
                               learning_rate=1e-2)  # fmt: skip
    out = tmp_path / "run"
    result = run(recipe, out, f"model.checkpoint={str(base)!r}", *LORA)
    assert result.exit_code == 0, result.output[-3000:]
    share = re.search(
        r"LoRA rank 4, alpha 8, dropout 0.05 on 2 layers \(q_lin, v_lin\), and in full pre_classifier, "
        r"classifier: ([\d,]+) of ([\d,]+) parameters trained \(",
        result.output,
    )
    assert share, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    counts = [int(group.replace(",", "")) for group in share.groups()]
    assert [metrics["parameters"]["trained"], metrics["parameters"]["total"]] == counts
    assert f"{share.group(1)} of {share.group(2)} parameters trained" in (out / "README.md").read_text()

    config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert {key: config[key] for key in ("peft_type", "task_type", "r", "lora_alpha", "base_model_name_or_path")} == {
        "peft_type": "LORA", "task_type": "SEQ_CLS", "r": 4, "lora_alpha": 8.0, "base_model_name_or_path": str(base)
    }  # fmt: skip
    assert config["target_modules"] == ["q_lin", "v_lin"] and config["modules_to_save"] == [
        "classifier",
        "pre_classifier",
    ]
    marker = json.loads((out / ".tfhf-run.json").read_text())
    assert {"adapter", "adapter/adapter_config.json", "adapter/adapter_model.safetensors"} <= set(marker["files"])

    # The merged weights: the base checkpoint's, but for the adapted kernels and the new head
    saved, loaded = load_file(out / "model.safetensors"), load_file(base / "model.safetensors")
    changed = sorted(name for name in saved.keys() & loaded.keys() if not np.array_equal(saved[name], loaded[name]))
    assert changed == [f"distilbert.transformer.layer.0.attention.{layer}.weight" for layer in ("q_lin", "v_lin")]
    assert sorted(saved.keys() - loaded.keys()) == [f"{layer}.{w}" for layer in ("classifier", "pre_classifier")
                                                    for w in ("bias", "weight")]  # fmt: skip

    predicted = invoke("predict", out, "what a lovely sunny day")
    assert predicted.exit_code == 0 and '"labels"' in predicted.stdout, predicted.output[-3000:]
    scored = invoke("eval", out, "--output-dir", tmp_path / "eval")
    assert scored.exit_code == 0 and "LoRA" not in scored.output, scored.output[-3000:]
    scores = json.loads((tmp_path / "eval" / "metrics.json").read_text())["eval"]
    assert scores["accuracy"] == metrics["after"]["accuracy"]  # the merged model scores as the trained one did


def resume_recipe(folder):
    data = {**EMOTION, "max_train_samples": 640, "max_eval_samples": 32}
    return write_task_recipe(folder, "text-classification", "ClassificationData", data, epochs=2)


@pytest.mark.slow
@pytest.mark.parametrize("from_checkpoint", [True, False], ids=["from-a-checkpoint", "from-scratch"])
def test_a_killed_lora_run_resumes_exactly_from_checkpoints_holding_only_what_trains(
    tmp_path, monkeypatch, from_checkpoint
):
    import tensorflow as tf

    # oneDNN's kernels round differently after a different history in the process (here: the
    # preflight's input pipeline, which a resumed run skips): up to 4e-9 apart after 80 steps
    # of a LoRA run from a checkpoint. Without them, a resumed run must match to the bit.
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    recipe = resume_recipe(tmp_path)
    model = [f"model.checkpoint={str(classification_base(tmp_path / 'base'))!r}"] if from_checkpoint else []
    settings = (*model, *LORA, "train.checkpoint_every=7")
    whole = tmp_path / "whole"
    _, stderr = start_run(recipe, whole, *settings).communicate(timeout=600)
    assert (whole / "metrics.json").exists(), stderr[-3000:]

    killed = tmp_path / "killed"
    process = start_run(recipe, killed, *settings)
    wait_for_checkpoint(process, killed, at_least=10)
    process.send_signal(signal.SIGKILL)
    process.wait()
    checkpoints = killed / "checkpoints"
    latest = checkpoints / (checkpoints / "latest").read_text().strip()
    saved = [name for name, _ in tf.train.list_variables(str(latest / "variables"))]
    trained = {name.split("/.")[0] for name in saved if name.startswith("trained/")}
    assert len(trained) == 8 and all(re.search(r"lora\.Slora_[AB]$|classifier\.S", name) for name in trained), trained
    assert not [name for name in saved if name.startswith("model/")]  # no frozen weight
    size = sum(path.stat().st_size for path in latest.iterdir())
    assert size < (whole / "tf_model.h5").stat().st_size / 2

    resumed, stderr = start_run(recipe, killed, *settings).communicate(timeout=600)
    assert "Resuming from" in resumed and (killed / "metrics.json").exists(), stderr[-3000:]
    expected, resumed = weights(whole), weights(killed)
    assert expected.keys() == resumed.keys()
    for name in expected:
        np.testing.assert_array_equal(resumed[name], expected[name], err_msg=name)


@pytest.mark.slow
def test_a_lora_resume_onto_changed_frozen_weights_is_refused(tmp_path):
    base = classification_base(tmp_path / "base")
    recipe = resume_recipe(tmp_path)
    settings = (f"model.checkpoint={str(base)!r}", *LORA, "train.checkpoint_every=5")
    out = tmp_path / "run"
    process = start_run(recipe, out, *settings)
    wait_for_checkpoint(process, out)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)

    from safetensors.numpy import save_file

    tensors = load_file(base / "model.safetensors")
    tensors["distilbert.embeddings.LayerNorm.weight"] += 1e-3  # a frozen weight the checkpoints do not hold
    save_file(tensors, base / "model.safetensors", metadata={"format": "pt"})
    result = run(recipe, out, *settings)
    assert result.exit_code == 2, result.output[-3000:]
    assert "the frozen weights of this LoRA run differ from those it started with" in result.stderr
    assert (out / "checkpoints" / "latest").exists()  # refused, not discarded


def subprocess_run(recipe, out, *settings):
    command = [sys.executable, "-m", "tfhf.cli", "run", str(recipe), "--output-dir", str(out)]
    command += [arg for setting in settings for arg in ("--set", setting)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_lora_trains_on_two_mirrored_replicas_as_on_one_device_and_under_mixed_float16(tmp_path):
    no_dropout = {"dropout": 0.0, "attention_dropout": 0.0, "seq_classif_dropout": 0.0}
    base = classification_base(tmp_path / "base", **no_dropout)
    recipe = write_task_recipe(tmp_path, "text-classification", "ClassificationData", EMOTION, epochs=2,
                               learning_rate=1e-2)  # fmt: skip
    common = (f"model.checkpoint={str(base)!r}", *LORA, "train.lora_dropout=0.0", "eval.before_training=False")
    processes = {  # side by side: each is mostly start-up, one core's work
        "single": subprocess_run(recipe, tmp_path / "single", *common, "runtime.strategy=default"),
        "mirrored": subprocess_run(recipe, tmp_path / "mirrored", *common, "runtime.strategy=mirrored",
                                   "runtime.cpu_devices=2", "train.batch_size=8"),
        "mixed": subprocess_run(recipe, tmp_path / "mixed", *common, "runtime.precision=mixed_float16"),
    }  # fmt: skip
    outputs = {name: process.communicate(timeout=900)[0] for name, process in processes.items()}
    for name, process in processes.items():
        assert process.returncode == 0, outputs[name][-3000:]
    assert "mirrored strategy, 2 replica(s)" in outputs["mirrored"]
    assert "precision mixed_float16" in outputs["mixed"]
    losses = {name: json.loads((tmp_path / name / "metrics.json").read_text())["train"]["loss"] for name in outputs}
    assert losses["mirrored"] == pytest.approx(losses["single"], rel=1e-4)  # replicas only sum in another order
    assert losses["mixed"] == pytest.approx(losses["single"], rel=5e-2)  # float16 compute
    for name in outputs:
        adapter = load_file(tmp_path / name / "adapter" / "adapter_model.safetensors")
        b = [array for key, array in adapter.items() if "lora_B" in key]
        assert len(b) == 2 and all(array.dtype == np.float32 and np.abs(array).max() > 0 for array in b), name


@pytest.mark.slow
def test_peft_loads_the_adapter_onto_the_pytorch_base_checkpoint_and_gives_the_tensorflow_logits(tmp_path):
    from transformers import TFAutoModelForCausalLM, TFAutoModelForSequenceClassification

    python = pytorch_environment("transformers4")
    # BERT from a masked-LM checkpoint: the pooler and the classifier are new, both trained and saved for peft
    bert = classification_base(tmp_path / "bert", TINY_BERT)
    classifier = write_task_recipe(tmp_path, "text-classification", "ClassificationData", EMOTION, epochs=1,
                                   learning_rate=1e-2)  # fmt: skip
    # GPT-2: Conv1D layers (peft's fan_in_fan_out) and no head of its own
    gpt2 = save_checkpoint(tmp_path / "gpt2", "text-generation", TINY_GPT2, {}, pytorch=True)
    data = {"path": str(SAMPLES_DIR / "summarization_reviews.jsonl"), "text_column": "review_body", "block_size": 32,
            "max_train_samples": 200, "max_eval_samples": 10}  # fmt: skip
    (tmp_path / "gen").mkdir()
    generator = write_task_recipe(tmp_path / "gen", "text-generation", "TextData", data, epochs=1, learning_rate=1e-2,
                                  config=TINY_GPT2)  # fmt: skip
    cases = []
    for name, recipe, base, model_class in [("bert", classifier, bert, TFAutoModelForSequenceClassification),
                                            ("gpt2", generator, gpt2, TFAutoModelForCausalLM)]:  # fmt: skip
        out = tmp_path / f"{name}-run"
        result = run(recipe, out, f"model.checkpoint={str(base)!r}", *LORA)
        assert result.exit_code == 0, result.output[-3000:]
        merged = model_class.from_pretrained(out, use_safetensors=False)
        expected = merged({key: np.array(value) for key, value in INPUTS.items()}, training=False).logits.numpy()
        cases.append({"base": str(base), "adapter": str(out / "adapter"), "config": str(out),
                      "auto_class": model_class.__name__.removeprefix("TF"), "inputs": INPUTS,
                      "expected": expected.tolist()})  # fmt: skip
    request = tmp_path / "cases.json"
    request.write_text(json.dumps(cases))
    ran = subprocess.run([python, PEFT_SIDE, request], capture_output=True, text=True, timeout=900, check=False)
    assert ran.returncode == 0, ran.stderr[-3000:]
    results = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(cases)
    for case, result in zip(cases, results, strict=True):
        assert result["file_keys"] == result["peft_keys"], result  # every tensor in a place peft knows
        assert not result["load_warnings"], result["load_warnings"]
        assert result["max_lora_B"] > 0  # the trained adapters were loaded, not left at zero
        np.testing.assert_allclose(np.array(result["logits"]), np.array(case["expected"]), atol=1e-4)
        assert np.abs(np.array(result["base_logits"]) - np.array(case["expected"])).max() > 1e-3  # LoRA mattered


def test_the_model_card_speaks_of_lora_only_for_a_lora_run():
    from tfhf.publish.model_card import card_text
    from tfhf.tasks import TASKS

    task = TASKS["text-classification"]
    plain = Recipe(task=task.name, model=Model(checkpoint="bert-base-uncased"), data=task.data_class(path="x"))
    lora = Recipe(task=task.name, model=plain.model, data=plain.data, train=Train(lora_rank=8))
    parameters = {"parameters": {"trained": 296_450, "total": 109_778_690}}
    assert "lora" not in card_text(plain.to_dict(), {}, "plain", False).lower()
    text = card_text(lora.to_dict(), parameters, "lora", False)
    assert "Trained with LoRA (rank 8, alpha 16, on the architecture's attention query and value): 296,450 of " \
           "109,778,690 parameters trained (0.27%)" in text  # fmt: skip
    assert "- `train.lora_rank`: `8`" in text and "`adapter/`" in text
