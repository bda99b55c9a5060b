"""The course's summarization setup: mT5-small fine-tuned to turn English product reviews into their titles.

    tfhf run recipes/course/summarization_amazon_reviews.py

Needs the Hub (or a local one: README, "The Hub"). The course's dataset,
amazon_reviews_multi, is a loading script (tfhf reads its Parquet conversion, config
"en"), and it has since been taken down from huggingface.co; its copy at
mteb/amazon_reviews_multi keeps only id, text, label and label_text, with no titles to
summarize into. Point data.path at any copy with review_body and review_title.
"""

from tfhf.recipe import Generate, Model, Output, Recipe, Seq2SeqData, Train

recipe = Recipe(
    task="summarization",
    model=Model(checkpoint="google/mt5-small"),
    data=Seq2SeqData(
        path="amazon_reviews_multi",
        name="en",
        source_column="review_body",
        target_column="review_title",
        max_source_length=512,
        max_target_length=30,
    ),
    train=Train(epochs=8, batch_size=8, learning_rate=5.6e-5, warmup_ratio=0.0, weight_decay=0.01),
    generate=Generate(max_new_tokens=30, length_buckets=(128, 256, 512)),
    output=Output(languages=("en",), license="apache-2.0"),
)
