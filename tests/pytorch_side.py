"""Run in an environment with PyTorch transformers and no TensorFlow (tests/test_pytorch_interop.py).

Reads a JSON list of cases {folder, auto_class, inputs}; for each, loads the folder with
`transformers.<auto_class>.from_pretrained` and prints one JSON line: the logits on the
inputs, the loading info, and whether TensorFlow was imported. With `--snippet FILE...`,
runs each file's code instead (a model card's PyTorch snippet) and exits.
"""

import json
import runpy
import sys

if sys.argv[1] == "--snippet":
    for path in sys.argv[2:]:
        runpy.run_path(path, run_name="__main__")
    sys.exit(0)

import torch
import transformers

with open(sys.argv[1]) as f:
    cases = json.load(f)
for case in cases:
    auto_class = getattr(transformers, case["auto_class"])
    model, info = auto_class.from_pretrained(case["folder"], output_loading_info=True)
    model.eval()
    with torch.no_grad():
        outputs = model(**{name: torch.tensor(value) for name, value in case["inputs"].items()})
    logits = {name: getattr(outputs, name).tolist() for name in case["logits"]}
    print(
        json.dumps(
            {
                "folder": case["folder"],
                "logits": logits,
                "missing": sorted(info["missing_keys"]),  # a list in transformers 4, a set in 5
                "unexpected": sorted(info["unexpected_keys"]),
                "tensorflow_imported": "tensorflow" in sys.modules,
                "transformers": transformers.__version__,
            }
        )
    )
