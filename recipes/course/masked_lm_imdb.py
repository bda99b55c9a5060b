"""The course's domain-adaptation setup: DistilBERT's masked-LM head fine-tuned on IMDb reviews.

    tfhf run recipes/course/masked_lm_imdb.py

Needs the Hub (or a local one: README, "The Hub"). As in the course, 10,000 training
reviews and 1,000 test reviews, in 128-token blocks, 15% of tokens masked.
"""

from tfhf.recipe import Generate, MaskedLMData, Model, Output, Recipe, Train

recipe = Recipe(
    task="fill-mask",
    model=Model(checkpoint="distilbert-base-uncased"),
    data=MaskedLMData(
        path="imdb",
        text_column="text",
        validation_split="test",
        max_train_samples=10_000,
        max_eval_samples=1_000,
        block_size=128,
        mlm_probability=0.15,
    ),
    train=Train(epochs=3, batch_size=32, learning_rate=2e-5, warmup_ratio=0.0, weight_decay=0.01),
    generate=Generate(prompts=("This is a great [MASK].",)),
    output=Output(languages=("en",), license="apache-2.0"),
)
