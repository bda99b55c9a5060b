"""Extractive question answering: the course's SQuAD track.

    tfhf run recipes/question_answering.py

Embedded default (offline, under 5 minutes on 2 CPU cores; F1 about 65, though another
seed gave 58): a small DistilBERT built from scratch (no dropout: one epoch over 28,000
questions underfits, it does not overfit) and a 6,000-piece WordPiece tokenizer (fewer
pieces per invented name than with 3,000, so fewer training windows),
trained on tfhf's bundled encyclopedia-style articles about invented places, firms and
people (tools/make_qa_sample.py). Two in five training questions and over half of the
validation ones have an article longer than one 192-token window, so contexts are cut
into overlapping windows, and answers are read back over all of an example's windows (at
most 12 tokens long: the longest training answer). Training batches are grouped into 8
length buckets. Scored with SQuAD v1.1 exact match and F1; some validation questions have
several reference answers. The (question, context) pairs in data.predict_questions are
answered after training and saved to predictions.jsonl.

The course's setup (Hub checkpoints and datasets; README, "The Hub"):

    tfhf run recipes/course/question_answering_squad.py
"""

from tfhf.recipe import SAMPLES_DIR, Eval, Model, QuestionAnsweringData, Recipe, Train

recipe = Recipe(
    task="question-answering",
    model=Model(
        config={
            "model_type": "distilbert",
            "dim": 128,
            "hidden_dim": 256,
            "n_layers": 2,
            "n_heads": 4,
            "dropout": 0.0,
            "attention_dropout": 0.0,
        },
        tokenizer_vocab_size=6000,
    ),
    data=QuestionAnsweringData(
        path=str(SAMPLES_DIR / "qa"),
        max_length=192,
        # Windows share 24 tokens, twice the longest answer, so every answer is whole in one of
        # them; sharing 48 made the same 39,326 windows 5% longer and scored lower (docs/tasks/question-answering.md).
        stride=24,
        max_answer_length=12,
        predict_questions=(
            (
                "Who founded the bakery?",
                (
                    "The bakery on Mill Street is the oldest shop in Carrow. It was founded in 1902 by Ada Winter, "
                    "who had learned the trade in the capital."
                ),
            ),
        ),
    ),
    # Length buckets: most windows are full, but an article's last ones are short; grouping
    # them made a step a sixth cheaper (294 -> 243 ms) with no loss of F1 seen (docs/tasks/question-answering.md).
    train=Train(epochs=1, batch_size=32, learning_rate=2e-3, warmup_ratio=0.1, length_buckets=8),
    eval=Eval(batch_size=64),
)
