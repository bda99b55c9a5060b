"""The course's translation setup: Marian opus-mt-en-fr fine-tuned on KDE4 English-French.

    tfhf run recipes/course/translation_kde4.py

Needs the Hub (or a local one: README, "The Hub"). KDE4 is a loading-script dataset,
which datasets >= 4 does not run; tfhf loads the Hub's Parquet conversion of its "en-fr"
config instead and says so. KDE4 has only a train split; a tenth of it is cut off for
validation (seeded), as the course does.
"""

from tfhf.recipe import Generate, Model, Output, Recipe, Seq2SeqData, Train

recipe = Recipe(
    task="translation",
    model=Model(checkpoint="Helsinki-NLP/opus-mt-en-fr"),
    data=Seq2SeqData(
        path="kde4",
        load_kwargs={"lang1": "en", "lang2": "fr"},
        source_column="translation.en",
        target_column="translation.fr",
        validation_fraction=0.1,
        max_source_length=128,
        max_target_length=128,
    ),
    train=Train(epochs=3, batch_size=32, learning_rate=5e-5, warmup_ratio=0.0, weight_decay=0.01),
    generate=Generate(max_new_tokens=128, num_beams=4, length_buckets=(32, 64, 128)),
    output=Output(languages=("en", "fr"), license="apache-2.0"),
)
