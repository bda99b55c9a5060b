"""The course's causal-LM setup: a GPT-2-small-size model trained from scratch on data-science Python code.

    tfhf run recipes/course/causal_lm_codeparrot.py

Needs the Hub (or a local one: README, "The Hub"): the codeparrot-ds training files and
the course's code tokenizer. As in the course, only files that use one of the keywords
are kept, in 128-token blocks; the architecture is GPT-2 small's (124M parameters with
the tokenizer's 50k-piece vocabulary) with 128 positions.
"""

from tfhf.recipe import Generate, Model, Output, Recipe, TextData, Train

recipe = Recipe(
    task="text-generation",
    model=Model(
        config={"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 128},
        tokenizer="huggingface-course/code-search-net-tokenizer",
    ),
    data=TextData(
        path="huggingface-course/codeparrot-ds-train",
        text_column="content",
        keywords=("pandas", "sklearn", "matplotlib", "seaborn"),
        block_size=128,
    ),
    train=Train(epochs=1, batch_size=32, learning_rate=5e-4, warmup_ratio=0.01, weight_decay=0.01),
    generate=Generate(max_new_tokens=32, prompts=("import numpy as np\nimport matplotlib.pyplot as plt\n\n",)),
    output=Output(license="apache-2.0"),
)
