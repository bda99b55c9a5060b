"""Token classification (NER): the course's CoNLL-2003 track.

    tfhf run recipes/token_classification.py

Embedded default (offline, a few minutes on 2 CPU cores): a small DistilBERT built from
scratch and a WordPiece tokenizer, trained on tfhf's bundled news-style sentences
(tools/make_ner_sample.py: PER, ORG, LOC and MISC entities in IOB2 tags; validation holds
many names unseen in training). Scored with seqeval, entity level, overall and per type;
the sentences in data.predict_texts are tagged after training, entities grouped as the
pipeline's aggregation_strategy="simple" does, and saved to predictions.jsonl.

The course's setup (Hub checkpoints and datasets; README, "The Hub"):

    tfhf run recipes/course/token_classification_conll2003.py
"""

from tfhf.recipe import SAMPLES_DIR, Eval, Model, Recipe, TokenClassificationData, Train

recipe = Recipe(
    task="token-classification",
    model=Model(
        config={"model_type": "distilbert", "dim": 192, "hidden_dim": 384, "n_layers": 4, "n_heads": 4},
        tokenizer_vocab_size=3000,
    ),
    data=TokenClassificationData(
        path=str(SAMPLES_DIR / "ner"),
        tokens_column="tokens",
        tags_column="ner_tags",
        max_length=96,
        predict_texts=(
            "Jana Oster of the Bank of Carrow arrived in Port Elsin on Monday .",
            "Veskian Ivo Marrent won the Spring Cup in Aldera .",
        ),
    ),
    train=Train(epochs=8, batch_size=32, learning_rate=1e-3, warmup_ratio=0.1),
    eval=Eval(batch_size=64, each_epoch=True, best_metric="overall_f1"),
)
