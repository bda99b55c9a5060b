"""A GPT-2-style model trained from scratch on Python code: the course's codeparrot track.

    tfhf run recipes/causal_lm.py

Embedded default (offline, a few minutes on 2 CPU cores): real code that every machine
has, the Python standard library's own top-level modules, read from the running
interpreter's install (nothing bundled), split by file into train and validation (seeded).
A byte-level BPE tokenizer is trained on the training files, a 2-layer GPT-2 on 128-token
blocks. Validation perplexity should fall from about the vocabulary size (untrained) to
well under half of it; completions of the fixed prompts are written to predictions.jsonl.

The course's setup (Hub checkpoints and datasets; README, "The Hub"):

    tfhf run recipes/course/causal_lm_codeparrot.py
"""

import sysconfig

from tfhf.recipe import Eval, Generate, Model, Recipe, TextData, Train

recipe = Recipe(
    task="text-generation",
    model=Model(
        config={"model_type": "gpt2", "n_embd": 128, "n_layer": 2, "n_head": 4, "n_positions": 128},
        tokenizer_vocab_size=4000,
    ),
    data=TextData(
        path=sysconfig.get_paths()["stdlib"],
        file_pattern="*.py",
        max_train_samples=80,
        block_size=128,
    ),
    train=Train(epochs=2, batch_size=16, learning_rate=2e-3, warmup_ratio=0.05),
    eval=Eval(batch_size=32),
    generate=Generate(
        max_new_tokens=32,
        length_buckets=(16,),
        prompts=("import os\n\n\ndef ", "class Parser:\n    def __init__(self", "    for key, value in "),
    ),
)
