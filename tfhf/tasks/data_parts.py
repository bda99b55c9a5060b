"""Each task's data part: the columns and settings a task reads from its examples.

They extend `tfhf.recipe.parts.Data` (where the examples come from) and are re-exported by
`tfhf.recipe`, so a recipe file imports every part from one place. This module imports
nothing heavy, as recipe validation must stay instant.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfhf.recipe.fields import AT_LEAST_ONE, NON_NEGATIVE, OPEN_FRACTION, Range, setting
from tfhf.recipe.parts import AUTO_LENGTH, Data


@dataclass(frozen=True)
class Seq2SeqData(Data):
    """Data for text-to-text tasks: a source column and a target column."""

    source_column: str = setting(
        "source", "Column holding the input text; nested fields are flattened, e.g. 'translation.en'."
    )
    target_column: str = setting("target", "Column holding the reference output text.")
    source_prefix: str = setting("", "Text put before every source, e.g. 'summarize: ' for T5 models.")
    max_source_length: int | str = setting(
        128, "Source texts are truncated to this many tokens." + AUTO_LENGTH, within=AT_LEAST_ONE, positions=True
    )
    max_target_length: int | str = setting(
        128, "Target texts are truncated to this many tokens." + AUTO_LENGTH, within=AT_LEAST_ONE, positions=True
    )


@dataclass(frozen=True)
class TextData(Data):
    """Data for language modelling: one text column, concatenated and cut into blocks."""

    text_column: str = setting("text", "Column holding the text.")
    keywords: tuple = setting((), "Keep only examples whose text contains one of these strings; () keeps all.")
    block_size: int = setting(
        128,
        "Tokens per training example: the texts are concatenated and cut into blocks.",
        within=AT_LEAST_ONE,
        positions=True,
    )
    streaming: bool = setting(
        False,
        "Stream the training split (a datasets IterableDataset) instead of loading it: rows are read, shuffled "
        "in a 10,000-row buffer, tokenized and cut into blocks while training runs, so the corpus never has to "
        "fit in memory. Needs train.max_steps. The validation split, or else the stream's first "
        "data.max_eval_samples rows (1,000 by default, held out), is read into memory. docs/recipes.md.",
    )


@dataclass(frozen=True)
class MaskedLMData(TextData):
    """Data for masked-LM domain adaptation: which tokens are masked, and the fill-mask check."""

    mlm_probability: float = setting(
        0.15, "Share of tokens (or of words, with whole-word masking) that are masked.", within=OPEN_FRACTION
    )
    whole_word_masking: bool = setting(False, "Mask every subword of a chosen word, instead of single tokens.")
    fill_mask_top_k: int = setting(
        5, "Predictions shown per [MASK] for the sentences in generate.prompts.", within=Range(1, 1000)
    )


@dataclass(frozen=True)
class LabelledData(Data):
    """What the encoder tasks share: label names, input length, and texts to predict after training."""

    label_names: tuple = setting(
        (),
        "Label names in id order; () takes them from the dataset's ClassLabel feature, or else the "
        "distinct string labels of the training split, sorted.",
    )
    max_length: int | str = setting(
        128, "Inputs are truncated to this many tokens." + AUTO_LENGTH, within=AT_LEAST_ONE, positions=True
    )
    predict_texts: tuple = setting(
        (),
        "Texts to predict after training; the predictions are saved with the run. Dropped when --set changes "
        "data.path without setting them: a recipe's examples belong to its own data.",
    )


@dataclass(frozen=True)
class ClassificationData(LabelledData):
    """Data for text classification: one text column, or a pair of them, and a label column."""

    text_column: str = setting("text", "Column holding the text (the first text of a pair).")
    text_pair_column: str | None = setting(None, "Column holding the second text of a pair (e.g. 'sentence2').")
    label_column: str = setting("label", "Column holding the label: a class id or a label name.")


@dataclass(frozen=True)
class TokenClassificationData(LabelledData):
    """Data for token classification (NER): words and one tag per word."""

    tokens_column: str = setting("tokens", "Column holding each example's list of words.")
    tags_column: str = setting("ner_tags", "Column holding each example's list of tags, one per word.")
    label_all_subwords: bool = setting(
        True, "Continuation subwords get their word's tag (B- turned into I-); False labels only the first."
    )


@dataclass(frozen=True)
class QuestionAnsweringData(Data):
    """Data for extractive question answering in the SQuAD shape."""

    question_column: str = setting("question", "Column holding the question.")
    context_column: str = setting("context", "Column holding the context the answer is taken from.")
    answers_column: str = setting(
        "answers", "Column holding {'text': [...], 'answer_start': [...]}; validation may list several answers."
    )
    max_length: int = setting(384, "Tokens per window of question + context.", within=AT_LEAST_ONE, positions=True)
    stride: int = setting(128, "Context tokens shared by consecutive windows of a long context.", within=NON_NEGATIVE)
    n_best: int = setting(20, "Start and end candidates considered per window.", within=Range(1, 1000))
    max_answer_length: int = setting(30, "Longest answer considered, in tokens.", within=AT_LEAST_ONE)
    predict_questions: tuple = setting(
        (),
        "(question, context) pairs to answer after training; the answers are saved with the run. Dropped when "
        "--set changes data.path without setting them.",
    )
