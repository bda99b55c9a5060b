"""Every task tfhf runs, keyed by the Hub's pipeline_tag. A plain dict: no registration magic."""

from tfhf.tasks.causal_lm import CAUSAL_LM
from tfhf.tasks.masked_lm import MASKED_LM
from tfhf.tasks.question_answering import QUESTION_ANSWERING
from tfhf.tasks.summarization import SUMMARIZATION
from tfhf.tasks.text_classification import TEXT_CLASSIFICATION
from tfhf.tasks.token_classification import TOKEN_CLASSIFICATION
from tfhf.tasks.translation import TRANSLATION

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
