"""Run in the PyTorch environment with peft (tests/test_lora.py), which has no TensorFlow.

Reads a JSON list of cases {base, adapter, config, auto_class, inputs}; for each, loads the
base checkpoint with `transformers.<auto_class>` and the run's config (its labels), then the
LoRA adapter onto it with `peft.PeftModel.from_pretrained`, and prints one JSON line: the
logits before and after, the adapter file's keys and those peft saves, peft's warnings about
keys, and the largest lora_B weight loaded.
"""

import json
import sys
import warnings

import torch
import transformers
from peft import PeftModel
from peft.utils import get_peft_model_state_dict
from safetensors import safe_open

with open(sys.argv[1]) as f:
    cases = json.load(f)
for case in cases:
    config = transformers.AutoConfig.from_pretrained(case["config"])
    base = getattr(transformers, case["auto_class"]).from_pretrained(case["base"], config=config).eval()
    inputs = {name: torch.tensor(value) for name, value in case["inputs"].items()}
    with torch.no_grad():
        base_logits = base(**inputs).logits.tolist()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(base, case["adapter"]).eval()
    with torch.no_grad():
        logits = model(**inputs).logits.tolist()
    with safe_open(f"{case['adapter']}/adapter_model.safetensors", "np") as archive:
        file_keys = sorted(archive.keys())
    about_keys = [
        str(w.message) for w in caught if any(word in str(w.message).lower() for word in ("missing", "unexpected"))
    ]
    print(
        json.dumps(
            {
                "logits": logits,
                "base_logits": base_logits,
                "file_keys": file_keys,
                "peft_keys": sorted(get_peft_model_state_dict(model)),
                "load_warnings": about_keys,
                "max_lora_B": max(float(p.abs().max()) for n, p in model.named_parameters() if "lora_B" in n),
            }
        )
    )
