"""The course's named-entity recognition setup: BERT-base-cased fine-tuned on CoNLL-2003.

    tfhf run recipes/course/token_classification_conll2003.py

Needs the Hub (or a local one: README, "The Hub"). CoNLL-2003 is a loading-script dataset:
tfhf reads the Hub's Parquet conversion of it and says so. The tag names come from its
Sequence(ClassLabel) `ner_tags` feature.
"""

from tfhf.recipe import Eval, Model, Output, Recipe, TokenClassificationData, Train

recipe = Recipe(
    task="token-classification",
    model=Model(checkpoint="bert-base-cased"),
    data=TokenClassificationData(
        path="conll2003",
        max_length=128,
        predict_texts=("My name is Sylvain and I work at Hugging Face in Brooklyn .",),
    ),
    train=Train(epochs=3, batch_size=16, learning_rate=2e-5, warmup_ratio=0.0, weight_decay=0.01),
    eval=Eval(each_epoch=True, best_metric="overall_f1"),
    output=Output(languages=("en",), license="apache-2.0"),
)
