"""Translation, English to French: the course's Marian/KDE4 track as a recipe.

    tfhf run recipes/translation.py

Embedded default (offline, about 70 seconds on 2 CPU cores): a small Marian model built
from scratch, a BPE tokenizer trained on the data, and tfhf's bundled corpus of 6,000
software UI strings (tools/make_translation_sample.py). It should print sacreBLEU near 0
before training and above 40 after (measured: README, "Recipes").

The course's setup (Hub checkpoints and datasets; README, "The Hub"):

    tfhf run recipes/course/translation_kde4.py

Your own files: a .jsonl/.csv/.tsv/.parquet with one column per language,
`--set data.path=pairs.csv --set data.source_column=en --set data.target_column=fr`.
"""

from tfhf.recipe import SAMPLES_DIR, Generate, Model, Output, Recipe, Runtime, Seq2SeqData, Train

recipe = Recipe(
    task="translation",
    model=Model(
        config={
            "model_type": "marian",
            "d_model": 128,
            "encoder_layers": 2,
            "decoder_layers": 2,
            "encoder_attention_heads": 4,
            "decoder_attention_heads": 4,
            "encoder_ffn_dim": 256,
            "decoder_ffn_dim": 256,
            "max_position_embeddings": 64,
            "dropout": 0.1,
            "scale_embedding": True,
        },
        tokenizer_vocab_size=2000,
    ),
    data=Seq2SeqData(
        path=str(SAMPLES_DIR / "translation_en_fr.jsonl"),
        source_column="en",
        target_column="fr",
        max_source_length=32,
        max_target_length=32,
    ),
    train=Train(epochs=5, batch_size=32, learning_rate=2e-3, warmup_ratio=0.1),
    generate=Generate(max_new_tokens=32, length_buckets=(16, 32)),
    runtime=Runtime(op_threads=1),  # a model this small trains faster with one thread per op (docs/performance.md)
    output=Output(languages=("en", "fr")),
)
