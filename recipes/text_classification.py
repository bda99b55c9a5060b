"""Text classification: the course's emotion (single texts) and MRPC (sentence pairs) tracks.

    tfhf run recipes/text_classification.py

Embedded default (offline, about a minute on 2 CPU cores): a small DistilBERT built from
scratch and a WordPiece tokenizer, trained on tfhf's bundled emotion messages
(tools/make_classification_sample.py: anger, joy, optimism, sadness; validation holds
subjects and templates unseen in training). Evaluated after every epoch; the epoch with
the best macro F1 is the model kept and saved. The texts in data.predict_texts are
labelled after training and saved to predictions.jsonl.

The course's setups (Hub checkpoints and datasets; README, "The Hub"):

    tfhf run recipes/course/text_classification_emotion.py
    tfhf run recipes/course/text_classification_mrpc.py

The emotion setup on a real pretrained checkpoint, all-MiniLM-L6-v2, by its Hub id:

    tfhf run recipes/course/text_classification_emotion_minilm.py

With a Hub dataset the label names come from its ClassLabel feature; MRPC has two
classes, so F1 is the binary F1 of "equivalent", as GLUE reports it.
"""

from tfhf.recipe import SAMPLES_DIR, ClassificationData, Eval, Model, Recipe, Train

recipe = Recipe(
    task="text-classification",
    model=Model(
        config={"model_type": "distilbert", "dim": 128, "hidden_dim": 256, "n_layers": 2, "n_heads": 4},
        tokenizer_vocab_size=2000,
    ),
    data=ClassificationData(
        path=str(SAMPLES_DIR / "emotion"),
        text_column="text",
        label_column="label",
        max_length=64,
        predict_texts=(
            "Finally got the keys to our new flat today!!",
            "The bus drove past me again without stopping, this is ridiculous.",
            "Missing my grandmother so much tonight...",
            "Tomorrow is a fresh start, I know things will work out.",
        ),
    ),
    train=Train(epochs=4, batch_size=32, learning_rate=1e-3, warmup_ratio=0.1),
    eval=Eval(batch_size=64, each_epoch=True, best_metric="f1"),
)
