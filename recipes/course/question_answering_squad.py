"""The course's extractive question-answering setup: BERT-base-cased fine-tuned on SQuAD.

    tfhf run recipes/course/question_answering_squad.py

Needs the Hub (or a local one: README, "The Hub"). Contexts longer than one 384-token
window are cut into windows sharing 128 tokens, as in the course.
"""

from tfhf.recipe import Model, Output, QuestionAnsweringData, Recipe, Train

recipe = Recipe(
    task="question-answering",
    model=Model(checkpoint="bert-base-cased"),
    data=QuestionAnsweringData(
        path="squad",
        max_length=384,
        stride=128,
        max_answer_length=30,
        predict_questions=(("Who founded the bakery?", "The bakery was founded in 1902 by Ada Winter."),),
    ),
    train=Train(epochs=3, batch_size=16, learning_rate=2e-5, warmup_ratio=0.0, weight_decay=0.01),
    output=Output(languages=("en",), license="apache-2.0"),
)
