"""Masked-LM domain adaptation: the course's DistilBERT-on-IMDb track.

    tfhf run recipes/masked_lm.py

Embedded default (offline, a few minutes on 2 CPU cores): a small DistilBERT built from
scratch and a WordPiece tokenizer, trained on the review texts of tfhf's bundled
summarization sample (tools/make_summarization_sample.py) as the domain corpus.
Validation perplexity is measured on positions masked once (seeded), so before and after
are comparable; it falls from about the vocabulary size (the templated corpus has about
500 distinct WordPiece tokens) to a small fraction of it.
Top-5 fill-mask predictions for the prompts, before and after, go to predictions.jsonl.

The course's setup (Hub checkpoints and datasets; README, "The Hub"):

    tfhf run recipes/course/masked_lm_imdb.py
"""

from tfhf.recipe import SAMPLES_DIR, Eval, Generate, MaskedLMData, Model, Recipe, Train

recipe = Recipe(
    task="fill-mask",
    model=Model(
        config={"model_type": "distilbert", "dim": 128, "hidden_dim": 256, "n_layers": 2, "n_heads": 4},
        tokenizer_vocab_size=1500,
    ),
    data=MaskedLMData(
        path=str(SAMPLES_DIR / "summarization_reviews.jsonl"),
        text_column="review_body",
        block_size=64,
        mlm_probability=0.15,
    ),
    train=Train(epochs=4, batch_size=32, learning_rate=1e-3, warmup_ratio=0.1),
    eval=Eval(batch_size=64),
    generate=Generate(prompts=("The build quality is [MASK].", "I would [MASK] it to anyone.")),
)
