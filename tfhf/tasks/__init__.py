"""Every task tfhf runs, keyed by the Hub's pipeline_tag. A plain dict: no registration magic.

`pipeline_tasks()` adds what `tfhf predict` also answers for a Hub checkpoint without a tfhf
recipe: a seq2seq config does not say whether it translates or summarizes, so such a
model runs as generic text-to-text generation.

The task modules import transformers, so the registry is built on first use (`TASKS` is
looked up through the module's `__getattr__`): importing `tfhf.tasks.data_parts`, which
every recipe does through `tfhf.recipe`, stays instant.
"""


def _registry():
    from tfhf.tasks.causal_lm import CAUSAL_LM
    from tfhf.tasks.masked_lm import MASKED_LM
    from tfhf.tasks.question_answering import QUESTION_ANSWERING
    from tfhf.tasks.summarization import SUMMARIZATION
    from tfhf.tasks.text_classification import TEXT_CLASSIFICATION
    from tfhf.tasks.token_classification import TOKEN_CLASSIFICATION
    from tfhf.tasks.translation import TRANSLATION

    tasks = (
        TRANSLATION,
        SUMMARIZATION,
        CAUSAL_LM,
        MASKED_LM,
        TEXT_CLASSIFICATION,
        TOKEN_CLASSIFICATION,
        QUESTION_ANSWERING,
    )
    return {task.name: task for task in tasks}


def __getattr__(name):
    if name == "TASKS":
        globals()["TASKS"] = _registry()  # built once; later lookups find the plain dict
        return globals()["TASKS"]
    raise AttributeError(f"module 'tfhf.tasks' has no attribute {name!r}")


def pipeline_tasks():
    """The tasks `tfhf predict` answers: every task in TASKS (as it is now), and generic text-to-text."""
    from tfhf.tasks import TASKS  # the registry as it is now (built on first use, then the same dict)
    from tfhf.tasks.translation import TEXT_TO_TEXT

    return {**TASKS, TEXT_TO_TEXT.name: TEXT_TO_TEXT}
