"""A LoRA run's adapters in PEFT's format: the `adapter/` folder PyTorch's peft loads onto the base checkpoint.

    base = AutoModelForSequenceClassification.from_pretrained(CHECKPOINT)
    model = PeftModel.from_pretrained(base, "RUN/adapter")

The format, as peft 0.21 writes and reads it (tests/test_lora.py loads it there):
- `adapter_model.safetensors` (metadata {"format": "pt"}, float32):
  `base_model.model.<module>.lora_A.weight` (rank x in) and `...lora_B.weight` (out x rank),
  with no adapter name (peft drops `.default` when saving); and each head peft keeps
  trainable (modules_to_save) under its PyTorch names, `base_model.model.classifier.weight`,
  without the `modules_to_save.default` infix peft uses in memory (with it, loading fails).
  A key under a wrong module path does not fail: peft only warns and leaves B at zero,
  so the module paths come from the same name mapping as the model files' own.
- `adapter_config.json`: peft_type LORA, r, lora_alpha, lora_dropout, target_modules, bias
  "none", task_type (without it peft builds a plain PeftModel), modules_to_save,
  fan_in_fan_out (GPT-2's Conv1D), base_model_name_or_path.
"""

import json

from safetensors.numpy import save_file
from transformers.modeling_tf_utils import TFConv1D

from tfhf.model.lora import linear_layers, lora_of
from tfhf.model.lora_full_layers import PEFT_HEADS
from tfhf.model.pytorch_weights import pytorch_array, pytorch_name, readable_like_the_others

FOLDER = "adapter"
CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"
PREFIX = "base_model.model."


def write_adapter(model, folder, base_model):
    """Writes `folder/adapter/` for a model with LoRA applied (nothing otherwise); returns the folder or None."""
    lora = lora_of(model)
    if lora is None:
        return None
    target = folder / FOLDER
    target.mkdir(exist_ok=True)
    heads = saved_heads(model, lora)
    save_file(adapter_tensors(model, lora, heads), str(target / WEIGHTS_FILE), metadata={"format": "pt"})
    readable_like_the_others(target / WEIGHTS_FILE)
    config = adapter_config(lora, heads, base_model)
    (target / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def saved_heads(model, lora):
    """The module paths peft keeps trainable beside the adapters: the trained heads and those its task_type adds.

    peft matches modules_to_save by the end of a module's path as a string, so
    "classifier" also takes DistilBERT's pre_classifier: the file holds each of them. A
    module inside another one listed goes with it.
    """
    defaults = PEFT_HEADS.get(lora.task_type, ())
    adapted = {adapted.path for adapted in lora.adapted}
    paths = set(lora.heads)
    if defaults:
        paths |= {path for path in linear_layers(model) if path.endswith(defaults) and path not in adapted}
    return sorted(path for path in paths if not any(path.startswith(other + ".") for other in paths))


def adapter_tensors(model, lora, heads):
    """{PEFT's name: float32 array in PyTorch's layout}."""
    tensors = {}
    for adapted in lora.adapted:
        # TF's A (in x rank) and B (rank x out) are the transposes of torch's nn.Linear weights
        tensors[f"{PREFIX}{adapted.path}.lora_A.weight"] = adapted.adapter.lora_A.numpy().T.copy()
        tensors[f"{PREFIX}{adapted.path}.lora_B.weight"] = adapted.adapter.lora_B.numpy().T.copy()
    adapters = {id(weight) for adapted in lora.adapted for weight in adapted.adapter.weights}
    for weight in model.weights:
        name = pytorch_name(weight)
        if id(weight) not in adapters and name.startswith(tuple(head + "." for head in heads)):
            tensors.setdefault(PREFIX + name, pytorch_array(weight))
    return {name: array.astype("float32") for name, array in tensors.items()}


def adapter_config(lora, heads, base_model):
    """adapter_config.json's content, with the keys peft reads (unknown keys only make it warn)."""
    return {
        "peft_type": "LORA",
        "task_type": lora.task_type,
        "base_model_name_or_path": base_model,
        "r": lora.rank,
        "lora_alpha": lora.alpha,
        "lora_dropout": lora.dropout,
        "target_modules": sorted(lora.targets),
        "modules_to_save": heads or None,
        "fan_in_fan_out": any(isinstance(adapted.layer, TFConv1D) for adapted in lora.adapted),
        "bias": "none",
        "use_rslora": False,
        "use_dora": False,
        "init_lora_weights": True,
        "inference_mode": True,
        "layers_to_transform": None,
        "layers_pattern": None,
        "rank_pattern": {},
        "alpha_pattern": {},
        "revision": None,
    }
