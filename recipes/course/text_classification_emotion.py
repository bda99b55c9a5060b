"""The course's single-text classification setup: DistilBERT fine-tuned on tweet_eval's emotion tweets.

    tfhf run recipes/course/text_classification_emotion.py

Needs the Hub (or a local one: README, "The Hub"). The four label names come from the
dataset's ClassLabel feature; the epoch with the best macro F1 is kept.
"""

from tfhf.recipe import ClassificationData, Eval, Model, Output, Recipe, Train

recipe = Recipe(
    task="text-classification",
    model=Model(checkpoint="distilbert-base-uncased"),
    data=ClassificationData(
        path="tweet_eval",
        name="emotion",
        max_length=128,
        predict_texts=("Finally got the keys to our new flat today!!", "Missing my grandmother so much tonight..."),
    ),
    train=Train(epochs=3, batch_size=32, learning_rate=5e-5, warmup_ratio=0.0),
    eval=Eval(each_epoch=True, best_metric="f1"),
    output=Output(languages=("en",), license="apache-2.0"),
)
