"""What the engine asks of a task, with the defaults most tasks keep.

A task says which model class and data part it takes, how raw rows become model features
(`preprocess`), how they are batched (`collator`) and how the model is scored
(`evaluator`). The hooks below are optional steps that only some tasks need.
"""


class Task:
    name: str
    """The Hub's pipeline_tag, e.g. 'translation'."""
    headline: str
    """The metric that sums a run up, e.g. 'bleu'."""

    def validate(self, recipe, log):
        """Checks of the recipe that need no data, before any heavy work; raises TfhfError."""

    def text_columns(self, data):
        """The columns that must hold one string per row (checked when the data loads)."""
        return ()

    def resolve(self, data, raw):
        """`data` with settings read from the raw splits filled in (e.g. label names); checks the values."""
        return data

    def special_token_ids(self, tokenizer):
        """Config ids for a model built from scratch; BERT-style encoders need only these two."""
        return {"vocab_size": len(tokenizer), "pad_token_id": tokenizer.pad_token_id}

    def head_config(self, data):
        """Config settings of the model's task head (e.g. num_labels), for any checkpoint or config."""
        return {}

    def baseline_scores(self, raw_validation, data):
        """The metric of a non-learned baseline on the validation split, or None (no baseline)."""
