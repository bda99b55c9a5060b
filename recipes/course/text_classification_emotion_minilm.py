"""The emotion setup fine-tuning a real pretrained checkpoint: all-MiniLM-L6-v2 by its Hub id.

    tfhf run recipes/course/text_classification_emotion_minilm.py

Needs the Hub (or the local one, README "The Hub", which serves this checkpoint's real
files). `sentence-transformers/all-MiniLM-L6-v2` is a 22.7M-parameter BERT (6 layers,
hidden size 384) whose Hub folder holds only PyTorch-format `model.safetensors`: tfhf reads
it into TensorFlow without torch (HF's own TF examples cannot, docs/stack.md), adds a new
classification head, and fine-tunes the whole model; data and evaluation are the emotion
setup's (text_classification_emotion.py). Set hub.repo_id to push the result
while it trains. Measured on real text: docs/real-data.md.
"""

from dataclasses import replace
from pathlib import Path

from tfhf.recipe import Model, Train
from tfhf.recipe.loading import load_recipe

emotion = load_recipe(Path(__file__).with_name("text_classification_emotion.py"))  # the same data and evaluation
recipe = replace(
    emotion,
    model=Model(checkpoint="sentence-transformers/all-MiniLM-L6-v2"),
    train=Train(epochs=3, batch_size=32, learning_rate=1e-4, warmup_ratio=0.1),
)
