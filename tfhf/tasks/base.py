"""The task contract: what training and evaluation ask of a task, and nothing they ask anywhere else.

A run, `tfhf doctor` and `tfhf bench` know a task only through these members; what
`tfhf predict` and the model card need is the task's `usage` (tfhf.tasks.usage.Usage). A
new task is one module in tfhf/tasks/ plus one entry in TASKS. The abstract methods are
what every task must say; the others have the defaults most tasks keep.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

from tfhf.errors import TfhfError
from tfhf.tasks.usage import Usage


@dataclass(frozen=True)
class Labels:
    """What the `labels` a task's collator makes hold, for the preflight checks (tfhf.train.batch_checks)."""

    classes: bool = False
    """Class ids below config.num_labels: a fresh head's loss is near ln(num_labels), and names come from id2label."""
    per_position: bool = False
    """One label per input position: padding positions must carry -100."""
    target_sequence: bool = False
    """The decoder's target tokens: -100 may only pad the end of a row."""
    sparse: bool = False
    """Labels only on randomly chosen positions (masking): a short row may get none, which is only a warning."""


class Task(ABC):
    name: str
    """The Hub's pipeline_tag, e.g. 'translation': also the transformers pipeline `tfhf predict` runs."""
    headline: str
    """The metric that sums a run up, e.g. 'bleu'."""
    model_class: type
    """The TFAutoModelFor* class that builds or loads the model."""
    data_class: type
    """The tfhf.recipe Data part a recipe of this task takes."""
    tokenizer_style: str
    """How a tokenizer trained from the data is built (tfhf.data.tokenizer_training.STYLES)."""
    usage: Usage
    """What the task says to the users of a trained model: `tfhf predict` and the model card (tfhf.tasks.usage)."""
    labels = Labels()
    generates = False
    """Its model generates text: `tfhf predict` takes generation options and --xla."""
    scores_by_generating = False
    """Scored by generating text from the validation sources with `generator` (tfhf bench times that loop)."""
    buckets_by_default = False
    """train.length_buckets='auto' groups this task's training batches by length (tfhf.data.length_buckets): set
    where quality held on real text with and without buckets (docs/performance.md), which `tfhf keys` cites."""
    loss_kind = "tokens"
    """How tfhf.train.train_step computes the loss (accumulation, smoothing): 'tokens' (one label per token, -100
    ignored), 'next_tokens' (causal LM), 'sequence' (one label per example) or 'model' (its own loss)."""

    # ---- data --------------------------------------------------------------------------
    @abstractmethod
    def columns(self, data):
        """The columns of the raw splits the task reads (checked when the data loads)."""

    def text_columns(self, data):
        """The columns that must hold one string per row (checked when the data loads)."""
        return ()

    def validate(self, recipe, log):
        """Checks of the recipe that need no data, before any heavy work; raises TfhfError."""

    def resolve(self, data, raw):
        """`data` with settings read from the raw splits filled in (e.g. label names); checks the values."""
        return data

    @abstractmethod
    def tokenizer_corpus(self, split, data):
        """The texts a new tokenizer learns from (an iterable of strings)."""

    @abstractmethod
    def preprocess(self, split, tokenizer, data):
        """The raw split as model features, with `datasets.map`."""

    def length_limits(self, data):
        """The lengths `preprocess` cuts inputs to (tfhf.data.length_report.LengthLimit), measured before training.

        None by default: tasks that window or chunk their inputs (QA, language models) lose nothing.
        """
        return []

    @abstractmethod
    def collator(self, tokenizer, model, data):
        """The data collator `model.prepare_tf_dataset` batches the features with."""

    # ---- model -------------------------------------------------------------------------
    def special_token_ids(self, tokenizer):
        """Config ids for a model built from scratch; BERT-style encoders need only these two."""
        return {"vocab_size": len(tokenizer), "pad_token_id": tokenizer.pad_token_id}

    def head_config(self, data):
        """Config settings of the model's task head (e.g. num_labels), for any checkpoint or config."""
        return {}

    # ---- evaluation --------------------------------------------------------------------
    @abstractmethod
    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        """A function `evaluate(phase) -> (metrics, predictions)` that scores the model on the validation split.

        `predictions` are per-example validation rows where the task keeps them (e.g. source,
        reference, prediction), else []. It runs at every evaluation, so it only scores.
        """

    showcase_before = False
    """The showcase is also made before training (and kept in the checkpoints), to show what changed."""

    def showcase(self, model, tokenizer, recipe, phase="after", before=None):
        """Predictions on the recipe's own examples (data.predict_texts, generate.prompts, ...), made once at the end.

        A task with `showcase_before` is also asked before training (`phase` "before"); after
        training, `before` holds those rows.
        """
        return []

    def baseline_scores(self, raw, tokenized, data, tokenizer):
        """The scores of the task's baselines (tfhf.scores.baselines) on the validation split, each with its "name".

        Baselines that learn (a majority class, TF-IDF, unigram counts) fit on the train split,
        raw or `tokenized`. [] when the task has none.
        """
        return []

    def generator(self, model, tokenizer, recipe):
        """The XLA generator of the metric loop (tasks that generate)."""
        raise NotImplementedError(f"{self.name} does not generate")

    def record_inference_settings(self, model, recipe):
        """Puts into `model`'s config what a pipeline needs to behave as the evaluation did, before saving."""


def refuse_options(task_name, options, allowed=()):
    """Refuses the generation options a task's prediction does not take, naming them."""
    unused = sorted(set(options) - set(allowed))
    if unused:
        takes = (
            f"only --{', --'.join(name.replace('_', '-') for name in allowed)}" if allowed else "no generation options"
        )
        raise TfhfError(f"{task_name} takes {takes} (got {', '.join(unused)})")
