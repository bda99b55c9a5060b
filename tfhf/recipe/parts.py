"""The parts every recipe has (model, train, eval, generate, runtime, hub, output) and the base data part.

A recipe file defines `recipe = Recipe(task=..., model=Model(...), data=..., train=Train(...))`,
importing the parts from tfhf.recipe; each task's data part extends `Data`
(tfhf/tasks/data_parts.py). Each field declares its default, help text, type, choices and range (tfhf.recipe.fields);
tfhf.recipe.loading reads recipe files and `--set` overrides and checks both the same way.
This module imports nothing heavy: `tfhf --help` and recipe validation stay instant.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from tfhf.recipe.fields import AT_LEAST_ONE, FRACTION, NON_NEGATIVE, OPEN_FRACTION, POSITIVE, Range, setting

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"


@dataclass(frozen=True)
class Model:
    """What to train: a pretrained checkpoint, or an architecture built from scratch."""

    checkpoint: str | None = setting(
        None, "Hub model id or local folder to fine-tune; None builds `config` from scratch."
    )
    config: dict = setting(
        {},
        "Architecture for a from-scratch model, e.g. {'model_type': 'marian', 'd_model': 128}. "
        "Vocabulary size and special token ids are taken from the tokenizer.",
    )
    tokenizer: str | None = setting(
        None,
        "Hub id or folder of the tokenizer. None: the checkpoint's own; with no checkpoint, "
        "a new tokenizer is trained on the training split.",
    )
    tokenizer_vocab_size: int = setting(
        8000, "Vocabulary size of a tokenizer trained from the data.", within=Range(100, 1_000_000)
    )
    trust_remote_code: bool = setting(
        False,
        "Allow a checkpoint or tokenizer whose config names Python code of its own (auto_map) to run that "
        "code. Off: such a model is refused, and nothing from its folder is imported.",
    )


AUTO_LENGTH = (
    " 'auto': the 99th percentile of the training split's token lengths, rounded up to a multiple of 8 and "
    "capped at the model's positions, measured before training (docs/recipes.md); a --set of data.path without "
    "a length setting makes the recipe's lengths 'auto', sized for its own sample as they are."
)


@dataclass(frozen=True)
class Data:
    """Where the examples come from and how many to use."""

    path: str = setting(
        "",
        "A Hub dataset id, a local data file (.json/.jsonl/.csv/.tsv/.parquet/.txt), or a folder "
        "of them whose names give the split (train.jsonl, validation.jsonl, test.jsonl).",
    )
    name: str | None = setting(None, "Hub dataset configuration name, if the dataset has several.")
    load_kwargs: dict = setting({}, "Extra keyword arguments for datasets.load_dataset, e.g. {'lang1': 'en'}.")
    train_split: str = setting("train", "Split to train on.")
    validation_split: str = setting("validation", "Split to evaluate on.")
    validation_fraction: float = setting(
        0.1,
        "When the data has no validation split, this share of train becomes one (seeded).",
        within=OPEN_FRACTION,
    )
    file_pattern: str | None = setting(
        None,
        "With `path` a folder of documents: a glob such as '*.py'; each matching file becomes one "
        "example with columns 'text' and 'file'.",
    )
    max_train_samples: int | None = setting(None, "Use at most this many training examples.", within=AT_LEAST_ONE)
    max_eval_samples: int | None = setting(None, "Evaluate on at most this many examples.", within=AT_LEAST_ONE)
    num_proc: int = setting(
        1,
        "Processes that tokenize the splits (datasets.map's num_proc); the result, and its cache for the next "
        "run, is the same for any value. The course scripts' preprocessing_num_workers.",
        within=Range(1, 256),
    )


@dataclass(frozen=True)
class Train:
    """Optimisation: Keras `fit` with transformers' `create_optimizer` (AdamW, warmup, then train.lr_schedule)."""

    epochs: int = setting(3, "Passes over the training data.", within=AT_LEAST_ONE)
    batch_size: int = setting(
        32, "Examples per step on each replica; a step takes batch_size x replicas.", within=Range(1, 65_536)
    )
    global_batch_size: int = setting(
        0,
        "Examples per step over all replicas, split evenly between them (must be a multiple of the number of "
        "replicas); 0 means batch_size x replicas. Set it to keep a script's global batch on any hardware.",
        within=Range(0, 1_048_576),
    )
    learning_rate: float = setting(
        5e-5, "Peak learning rate, reached after warmup, then decayed as train.lr_schedule says.", within=POSITIVE
    )
    lr_schedule: str = setting(
        "linear",
        "After warmup: 'linear' decay to 0 (the course's), 'cosine' decay to 0, or 'constant' at the peak. "
        "Trainer: lr_scheduler_type.",
        choices=("linear", "cosine", "constant"),
    )
    max_grad_norm: float | None = setting(
        None,
        "Clip the gradients to this global norm before each step; None: no clipping. Trainer: max_grad_norm.",
        within=POSITIVE,
    )
    gradient_accumulation_steps: int = setting(
        1,
        "Micro-batches of train.batch_size per optimizer step: their gradients are summed (every scored label "
        "weighed equally) and the optimizer steps once, so a step takes batch_size x replicas x this many "
        "examples with one micro-batch's memory. Steps, schedules, checkpoints and resumes count optimizer "
        "steps. Trainer: gradient_accumulation_steps.",
        within=Range(1, 1024),
    )
    label_smoothing: float = setting(
        0.0,
        "Spread this share of each label's probability evenly over all classes (tokens), in the cross-entropy "
        "of classification, NER, seq2seq and language models (-100 labels ignored); not for question "
        "answering. Trainer: label_smoothing_factor.",
        within=FRACTION,
    )
    gradient_checkpointing: bool = setting(
        False,
        "Recompute each transformer block's activations in the backward pass instead of keeping them from the "
        "forward pass: activation memory of about one block plus one hidden state per block, for about a third "
        "more compute per step; same loss and gradients (dropout draws the same masks). BERT, DistilBERT, GPT-2, "
        "Marian, T5 and mT5 models. Trainer: gradient_checkpointing.",
    )
    chunked_lm_loss: bool = setting(
        True,
        "Language models: the loss without the [batch, length, vocabulary] logits. GPT-2: the next-token loss a "
        "few hundred positions at a time, its gradients with it (GPT-2 small at 32 x 128 tokens: 823 MB each "
        "copy of the logits). BERT and DistilBERT masked LMs: the LM head on the masked positions only, the ones "
        "the loss scores. In training and in evaluation. Same loss and gradients to float tolerance, and faster "
        "than transformers' step (docs/performance.md). False: transformers' own step and loss. Other language "
        "models compute the full logits.",
    )
    max_steps: int = setting(
        0,
        "With data.streaming (whose length is unknown): train this many optimizer steps, passing over the "
        "stream again if it runs out (train.epochs is then not used). 0: not streaming. Trainer: max_steps.",
        within=NON_NEGATIVE,
    )
    warmup_ratio: float = setting(0.0, "Share of all steps spent warming the learning rate up from 0.", within=FRACTION)
    weight_decay: float = setting(
        0.01, "Decoupled weight decay (AdamW), not applied to LayerNorm and biases.", within=NON_NEGATIVE
    )
    seed: int = setting(42, "Seeds Python, NumPy and TensorFlow: same seed, same run.")
    length_buckets: int | str = setting(
        "auto",
        "Group training examples of similar length into batches padded to one of this many bucket lengths "
        "(quantiles of the data's lengths): less compute spent on padding, at the price of less varied batches. "
        "0: a plain shuffle, each batch padded to its longest row, as the course does. 'auto': buckets for text "
        "classification (on a real-text fine-tune, faster for an accuracy cost smaller than the seeds' spread: "
        "docs/performance.md, 'Length buckets on real text'), as few as bring padding under 10% with 8 "
        "batches or more per bucket, none when a shuffle pads little; no buckets for the other tasks "
        "(translation lost nearly all its BLEU with them; language models' blocks are all one length).",
        choices=("auto",),
        within=Range(0, 256),
    )
    steps_per_execution: int = setting(
        1,
        "Training steps per call from Keras into TensorFlow. More than 1 saves Keras's per-step Python "
        "work (a small model's short steps gain most); the progress bar, checkpoint_every and hub "
        "pushes then act at most once per call, at the first call that reaches their step.",
        within=Range(1, 100_000),
    )
    checkpoint_every: int = setting(
        0,
        "Also save a checkpoint every this many steps (0: only at each epoch's end). A run into the "
        "same output directory resumes from the latest checkpoint.",
        within=NON_NEGATIVE,
    )
    keep_checkpoints: int = setting(
        2, "How many of the newest checkpoints are kept while training.", within=Range(1, 1000)
    )
    checkpoint_in_background: bool = setting(
        True,
        "Write checkpoints while training goes on: the step waits only for a copy of the variables in memory, "
        "which costs one more copy of the weights and optimizer state. False: training waits for each save, "
        "with no extra memory.",
    )
    preflight: bool = setting(
        True, "Check one batch and the model before training (tfhf doctor's checks); a failed check stops the run."
    )
    lora_rank: int = setting(
        0,
        "LoRA: train low-rank adapters of this rank beside the train.lora_targets layers, and a new task head, "
        "with every other weight frozen (docs/recipes.md). The run folder's model is merged (it loads like any "
        "other) and adapter/ holds the adapters in PEFT's format. 0: train every weight. peft: r.",
        within=Range(0, 4096),
    )
    lora_alpha: float = setting(
        16.0, "LoRA's scaling: the adapters' output is multiplied by lora_alpha / lora_rank. peft: lora_alpha.",
        within=POSITIVE,
    )  # fmt: skip
    lora_dropout: float = setting(
        0.05, "Dropout on the adapters' input while training (a fraction). peft: lora_dropout.", within=FRACTION
    )
    lora_targets: tuple = setting(
        (),
        "Names of the linear layers LoRA adapts, matched against the end of each layer's PyTorch module path "
        "as peft's target_modules are, e.g. ('query', 'value'). (): the architecture's attention query and "
        "value: BERT query/value, DistilBERT q_lin/v_lin, T5 and mT5 q/v, Marian q_proj/v_proj, GPT-2 c_attn.",
    )
    lora_modules_to_save: tuple = setting(
        (),
        "Modules that train in full beside the adapters, named as peft's modules_to_save are (the end of a "
        "module's PyTorch path), e.g. ('pooler',) for a classifier that reads BERT's pooler. The adapter/ folder "
        "holds their weights for peft. (): only the new task head trains in full. peft: modules_to_save.",
    )


@dataclass(frozen=True)
class Eval:
    """Evaluation on the validation split."""

    batch_size: int = setting(64, "Examples per evaluation batch.", within=Range(1, 65_536))
    before_training: bool | str = setting(
        "auto",
        "Also evaluate the untrained model, to show what training changed. 'auto': unless the model was loaded "
        "from a checkpoint with a new, randomly initialised head, which scores chance by construction.",
        choices=(True, False, "auto"),
    )
    each_epoch: bool = setting(False, "Also evaluate after every epoch; the scores are saved per evaluation.")
    every_steps: int = setting(
        0,
        "Also evaluate every this many optimizer steps, within epochs too (0: never). Trainer: "
        "eval_strategy='steps' with eval_steps.",
        within=NON_NEGATIVE,
    )
    best_metric: str | None = setting(
        None,
        "With each_epoch or every_steps: keep the weights of the evaluation with the best value of this metric "
        "(e.g. 'f1'; lowest for 'loss' and 'perplexity'), as the course's load_best_model_at_end; None keeps the "
        "last. Trainer: metric_for_best_model.",
    )
    patience: int = setting(
        0,
        "With best_metric: stop training after this many evaluations in a row without a better value, keeping "
        "the best weights (0: never stop early). Trainer: EarlyStoppingCallback(early_stopping_patience).",
        within=NON_NEGATIVE,
    )


@dataclass(frozen=True)
class Generate:
    """Text generation for generating tasks' metrics (one XLA-compiled `generate`)."""

    max_new_tokens: int = setting(64, "Longest output generated, in tokens.", within=AT_LEAST_ONE, positions=True)
    num_beams: int = setting(
        1, "1 is greedy search; more is beam search (slower to compile and run).", within=Range(1, 64)
    )
    prompts: tuple = setting((), "Fixed prompts to complete after training (language models), saved with the run.")
    length_buckets: tuple = setting(
        (16, 32, 64, 128),
        "Inputs are padded up to the smallest of these lengths that fits; each bucket is one "
        "XLA compilation. The largest bucket is raised to the data's max source length if needed.",
    )


@dataclass(frozen=True)
class Runtime:
    """Where and how the computation runs."""

    strategy: str = setting(
        "auto",
        "tf.distribute strategy: auto (a TPU if reachable, else every GPU when there are several, else one "
        "device), default (one device), mirrored (every GPU of this machine, or runtime.cpu_devices logical "
        "CPUs), multiworker (the machines in TF_CONFIG), tpu. docs/scaling.md.",
        choices=("auto", "default", "mirrored", "multiworker", "tpu"),
    )
    cpu_devices: int = setting(
        0,
        "Split the CPU into this many logical devices (0 or 1: leave it whole), so mirrored runs one replica "
        "on each: a way to try multi-device training on a machine without GPUs. No faster.",
        within=Range(0, 64),
    )
    precision: str = setting(
        "auto",
        "Keras precision policy; auto is float32 on CPU (reduced precision is slower there), "
        "mixed_float16 on GPU, mixed_bfloat16 on TPU.",
        choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"),
    )
    deterministic: bool = setting(True, "Deterministic TensorFlow ops, so a seed reproduces a run exactly.")
    op_threads: int = setting(
        0,
        "Threads one TensorFlow op may use (intra-op); 0 lets TensorFlow choose (every core). 1 runs each "
        "op on one core and independent ops side by side: faster on a CPU for small models, whose ops are "
        "too small to split (tfhf bench shows it), slower for large ones.",
        within=Range(0, 256),
    )


@dataclass(frozen=True)
class Hub:
    """Pushing the run to the Hugging Face Hub while it trains (the course's PushToHubCallback)."""

    repo_id: str | None = setting(
        None,
        "Model repo to push to, e.g. 'user/marian-finetuned-kde4-en-to-fr'; created if needed. None: no push. "
        "The token comes from HF_TOKEN or `huggingface-cli login`, and is never written anywhere.",
    )
    every_steps: int = setting(
        0, "Also push every this many steps (0: at each epoch's end and at the end).", within=NON_NEGATIVE
    )
    private: bool = setting(False, "Create the repo as private.")


@dataclass(frozen=True)
class Output:
    """Where the run's results go."""

    dir: str | None = setting(None, "Output directory; None is runs/<recipe file name>.")
    license: str | None = setting(None, "The model card's license, a Hub license id such as 'apache-2.0'.")
    languages: tuple = setting((), "The model card's languages, e.g. ('en', 'fr') for English to French.")


@dataclass(frozen=True)
class Recipe:
    """A complete run: the task and one of each part."""

    task: str
    model: Model
    data: Data
    train: Train = field(default_factory=Train)
    eval: Eval = field(default_factory=Eval)
    generate: Generate = field(default_factory=Generate)
    runtime: Runtime = field(default_factory=Runtime)
    output: Output = field(default_factory=Output)
    hub: Hub = field(default_factory=Hub)

    def to_dict(self):
        return {"task": self.task, **{part: dataclasses.asdict(getattr(self, part)) for part in part_names(self)}}


PART_CLASSES = {
    "model": Model,
    "data": Data,
    "train": Train,
    "eval": Eval,
    "generate": Generate,
    "runtime": Runtime,
    "output": Output,
    "hub": Hub,
}


def part_names(recipe):
    return [f.name for f in dataclasses.fields(recipe) if f.name != "task"]
