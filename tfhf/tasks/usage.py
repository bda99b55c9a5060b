"""What a task says to the users of a model it trained: `tfhf predict`'s answers and the model card's code.

Kept apart from the task contract (tfhf.tasks.base.Task), which is what training and
evaluation ask of a task: a task points at its Usage through `Task.usage`.
"""

from abc import ABC, abstractmethod

# Texts per forward pass when `tfhf predict` answers many (a file, standard input), for the tasks that batch
# them (tfhf.model.pipeline_batches); transformers' TensorFlow pipelines run one text per pass.
PREDICT_BATCH_SIZE = 32


class Usage(ABC):
    name: str
    """The task's pipeline_tag, which is also the transformers pipeline `pipeline` builds."""
    architecture_suffixes: tuple = ()
    """Config architecture names ending so (e.g. 'ForTokenClassification') are this task, for `tfhf predict`."""
    windows_long_inputs = False
    """The pipeline cuts long inputs into windows itself, so predict does not refuse them."""
    usage_example = 'pipe("Hello, world.")'
    """A call of the task's pipeline `pipe` for the model card's snippet (it must run as written)."""

    @abstractmethod
    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        """One JSON-able dict per text, from `predictor` (tfhf.commands.predict.Predictor: pipeline, model, tokenizer)."""

    def pipeline(self, model, tokenizer):
        """The transformers pipeline `predict` runs: the one named like the task, on TensorFlow."""
        from transformers import pipeline

        # dtype=None: the default "auto" makes pipeline() look the dtype up in torch, which is not installed
        return pipeline(self.name, model=model, tokenizer=tokenizer, framework="tf", dtype=None)

    def pytorch_usage(self, name, recipe):
        """The model card's PyTorch code, when the task's pipeline is not in every transformers version; else None."""
        return

    def pipeline_defaults(self, saved_recipe):
        """Pipeline arguments a run trained and evaluated with, from its recipe.json dict."""
        return {}
