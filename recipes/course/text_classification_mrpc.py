"""The course's sentence-pair classification setup (chapter 3): BERT-base-cased fine-tuned on GLUE MRPC.

    tfhf run recipes/course/text_classification_mrpc.py

Needs the Hub (or a local one: README, "The Hub"). MRPC has two classes, so F1 is the
binary F1 of "equivalent", as GLUE reports it.
"""

from tfhf.recipe import ClassificationData, Eval, Model, Output, Recipe, Train

recipe = Recipe(
    task="text-classification",
    model=Model(checkpoint="bert-base-cased"),
    data=ClassificationData(
        path="glue",
        name="mrpc",
        text_column="sentence1",
        text_pair_column="sentence2",
        max_length=128,
        predict_texts=(("The cat sat on the mat.", "A cat was sitting on the mat."),),
    ),
    train=Train(epochs=3, batch_size=8, learning_rate=5e-5, warmup_ratio=0.0),
    eval=Eval(each_epoch=True, best_metric="f1"),
    output=Output(languages=("en",), license="apache-2.0"),
)
