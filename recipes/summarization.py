"""Summarization of product reviews into their titles: the course's mT5/Amazon-reviews track.

    tfhf run recipes/summarization.py

Embedded default (offline, a few minutes on 2 CPU cores): a small T5 built from scratch,
a BPE tokenizer trained on the data, and tfhf's bundled 4,000 generated reviews
(tools/make_summarization_sample.py). ROUGE-1 should rise from near 0 before training to
well above the lead-3 baseline after (measured: README, "Recipes").

The course's setup (Hub checkpoints and datasets; README, "The Hub"):

    tfhf run recipes/course/summarization_amazon_reviews.py
"""

from tfhf.recipe import SAMPLES_DIR, Generate, Model, Recipe, Seq2SeqData, Train

recipe = Recipe(
    task="summarization",
    model=Model(
        config={
            "model_type": "t5",
            "d_model": 128,
            "d_ff": 256,
            "d_kv": 32,
            "num_layers": 2,
            "num_decoder_layers": 2,
            "num_heads": 4,
            "dropout_rate": 0.1,
        },
        tokenizer_vocab_size=2000,
    ),
    data=Seq2SeqData(
        path=str(SAMPLES_DIR / "summarization_reviews.jsonl"),
        source_column="review_body",
        target_column="review_title",
        source_prefix="summarize: ",
        max_source_length=96,
        max_target_length=24,
    ),
    train=Train(epochs=5, batch_size=32, learning_rate=2e-3, warmup_ratio=0.1),
    generate=Generate(max_new_tokens=24, length_buckets=(64, 96)),
)
