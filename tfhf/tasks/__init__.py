"""Every task tfhf runs, keyed by the Hub's pipeline_tag. A plain dict: no registration magic.

`pipeline_tasks()` adds what `tfhf predict` also answers for a Hub checkpoint without a tfhf
recipe: a seq2seq config does not say whether it translates or summarizes, so such a
model runs as generic text-to-text generation.
"""

from tfhf.tasks.causal_lm import CAUSAL_LM
from tfhf.tasks.masked_lm import MASKED_LM
from tfhf.tasks.question_answering import QUESTION_ANSWERING
from tfhf.tasks.summarization import SUMMARIZATION
from tfhf.tasks.text_classification import TEXT_CLASSIFICATION
from tfhf.tasks.token_classification import TOKEN_CLASSIFICATION
from tfhf.tasks.translation import TEXT_TO_TEXT, TRANSLATION

TASKS = {
    task.name: task
    for task in (
        TRANSLATION,
        SUMMARIZATION,
        CAUSAL_LM,
        MASKED_LM,
        TEXT_CLASSIFICATION,
        TOKEN_CLASSIFICATION,
        QUESTION_ANSWERING,
    )
}


def pipeline_tasks():
    """The tasks `tfhf predict` answers: every task in TASKS (as it is now), and generic text-to-text."""
    return {**TASKS, TEXT_TO_TEXT.name: TEXT_TO_TEXT}
