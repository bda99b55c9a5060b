"""Everything before training, shared by `tfhf run`, `tfhf doctor` and `tfhf bench`.

    checked_task -> load_data -> tokenize -> start_runtime (strategy, global batch,
    length buckets) -> build (the model, in the strategy's scope)

Each command goes through the same steps, so each refuses the same input and trains (or
checks, or times) exactly the batch the others would: the global batch is
`Plan.global_batch` everywhere, train.global_batch_size included.
"""

import time
from dataclasses import dataclass, replace

from tfhf.data import streaming
from tfhf.data.auto_lengths import resolve_auto_lengths
from tfhf.data.forking import parents_objects_frozen
from tfhf.data.length_buckets import LengthBuckets, auto_bucket_count, example_lengths
from tfhf.data.length_report import report_lengths
from tfhf.data.splits import load_splits
from tfhf.data.tokenizer_training import train_tokenizer
from tfhf.errors import TfhfError
from tfhf.log_format import banner
from tfhf.model.loading import LAST_TENSORFLOW_RELEASE, build_model, load_checkpoint, load_tokenizer, new_weights
from tfhf.model.lora import apply_lora
from tfhf.model.positions import check_positions
from tfhf.recipe.loading import summary, validated
from tfhf.runtime import distribution, precision
from tfhf.runtime import start as runtime
from tfhf.runtime.start import random_generators
from tfhf.tasks import TASKS
from tfhf.train import train_step
from tfhf.train.gradient_checkpointing import checkpoint_blocks
from tfhf.train.lr_schedules import make_optimizer
from tfhf.train.step_tracing import prepare_train_step


@dataclass(frozen=True)
class StartedRuntime:
    """What a command trains with: the strategy, its plan, the global batch and the length buckets."""

    strategy: object
    planned: distribution.Plan
    batch_size: int
    """Examples per step over all replicas (tfhf.runtime.distribution.Plan.global_batch)."""
    buckets: LengthBuckets | None


def start_runtime(recipe, planned, train_split, tokenizer, threads, log):
    """Starts the strategy and precision policy; refuses a global batch larger than the training split.

    A batch that cannot fit is refused before the strategy starts when the replica count
    is known already (a TPU's is known only once it is connected).
    """
    streamed = streaming.is_streamed(train_split)  # of unknown length, without buckets
    if planned.replicas and not streamed:
        check_batch_fits(train_split, planned.global_batch(recipe.train), recipe.train)
    banner(log, "Runtime")
    strategy, planned, policy = runtime.start_strategy(recipe.runtime, planned)
    log(runtime.describe(planned, policy, threads))
    batch_size = planned.global_batch(recipe.train)
    if streamed:
        return StartedRuntime(strategy, planned, batch_size, None)
    check_batch_fits(train_split, batch_size, recipe.train)
    buckets = length_buckets(
        recipe, train_split, tokenizer, log, static=planned.strategy == "tpu", batch_size=batch_size
    )
    return StartedRuntime(strategy, planned, batch_size, buckets)


def checked_task(recipe, log):
    """The recipe's task, once every check that needs no data has passed; prints the resolved recipe.

    Shared by everything that takes a recipe (run, doctor, bench), so each refuses the same input.
    """
    task = task_for(recipe)
    validated(recipe)  # a Recipe built in Python, not loaded from a file, is checked here
    log(summary(recipe))
    task.validate(recipe, log)
    if recipe.train.label_smoothing and task.loss_kind == "model":
        raise TfhfError(f"train.label_smoothing is not supported for {task.name}: set it to 0")
    if recipe.eval.best_metric and not (recipe.eval.each_epoch or recipe.eval.every_steps):
        raise TfhfError(
            "eval.best_metric needs eval.each_epoch=True or eval.every_steps: the best weights are chosen from "
            "the evaluations during training"
        )
    streamed = streaming.is_streaming(recipe)
    if streamed != bool(recipe.train.max_steps):
        raise TfhfError(
            "data.streaming=True needs train.max_steps (a stream's length is unknown)"
            if streamed
            else "train.max_steps is for data.streaming=True; without it, set train.epochs"
        )
    if streamed and (
        recipe.train.length_buckets not in (0, "auto") or recipe.runtime.strategy in ("tpu", "multiworker")
    ):
        raise TfhfError(
            "data.streaming runs on one machine, without length buckets (its blocks are all data.block_size "
            "long): set train.length_buckets=0 and runtime.strategy to auto, default or mirrored"
        )
    if recipe.eval.patience and not recipe.eval.best_metric:
        raise TfhfError("eval.patience needs eval.best_metric: early stopping waits for that metric to improve")
    for key in ("lora_targets", "lora_modules_to_save"):
        names = getattr(recipe.train, key)
        if names and not recipe.train.lora_rank:
            raise TfhfError(f"train.{key} needs train.lora_rank above 0: without a rank no adapters are trained")
        if not all(isinstance(name, str) and name for name in names):
            raise TfhfError(f"train.{key} holds module names (strings); got {names!r}")
    return task


def task_for(recipe):
    if recipe.task not in TASKS:
        raise TfhfError(f"unknown task {recipe.task!r} (tasks: {', '.join(TASKS)})")
    task = TASKS[recipe.task]
    if not isinstance(recipe.data, task.data_class):
        raise TfhfError(
            f"task {recipe.task!r} needs data=tfhf.recipe.{task.data_class.__name__}(...), "
            f"not {type(recipe.data).__name__}"
        )
    return task


def load_data(recipe, task, log):
    """(recipe resolved against the data, e.g. with its label names; the raw splits)."""
    banner(log, "Data")
    if streaming.is_streaming(recipe):
        raw = streaming.load_stream(recipe.data, log)
        log(f"{len(raw['validation'])} validation examples from {recipe.data.path}")
        return recipe, raw
    raw = load_splits(
        recipe.data,
        task.columns(recipe.data),
        seed=recipe.train.seed,
        text_columns=task.text_columns(recipe.data),
        log=log,
    )
    log(f"{len(raw['train'])} training and {len(raw['validation'])} validation examples from {recipe.data.path}")
    return replace(recipe, data=task.resolve(recipe.data, raw)), raw


def tokenize(recipe, task, raw, log, saved_tokenizer=None):
    """(recipe with its 'auto' lengths measured, tokenizer, {split: features}, {length setting: {split: share cut}}).

    `saved_tokenizer` is the folder of an interrupted run's tokenizer.
    """
    banner(log, "Tokenizer")
    streamed = streaming.is_streaming(recipe)
    if saved_tokenizer:
        tokenizer = load_tokenizer(str(saved_tokenizer))
        log(f"{type(tokenizer).__name__} of the interrupted run, from {saved_tokenizer}")
    else:
        corpus = streaming.tokenizer_rows(raw["train"], recipe.data) if streamed else raw["train"]
        tokenizer = make_tokenizer(recipe, task, corpus, log)
    in_memory = {name: split for name, split in raw.items() if not (streamed and name == "train")}
    recipe = resolve_auto_lengths(recipe, task, raw["train"], tokenizer, log)
    lengths = report_lengths(task.length_limits(recipe.data), in_memory, tokenizer, log)
    with parents_objects_frozen(recipe.data.num_proc):  # forked tokenizing processes (tfhf.data.forking)
        tokenized = {name: task.preprocess(split, tokenizer, recipe.data) for name, split in in_memory.items()}
    if streamed:
        tokenized["train"] = streaming.TokenBlocks(
            raw["train"], lambda rows: task.preprocess(rows, tokenizer, recipe.data), recipe.train.seed,
            recipe.train.max_steps,
        )  # fmt: skip
    return recipe, tokenizer, tokenized, lengths


def make_tokenizer(recipe, task, train_split, log):
    spec = recipe.model
    name = spec.tokenizer or spec.checkpoint
    if name:
        tokenizer = load_tokenizer(name, trust_remote_code=spec.trust_remote_code)
        log(f"{type(tokenizer).__name__} from {name}")
        if tokenizer.pad_token is None and tokenizer.eos_token is not None:
            # GPT-2's tokenizers have no pad token; padded positions are masked out, so any id will do
            tokenizer.pad_token = tokenizer.eos_token
            log(f"the tokenizer has no pad token: padding with its end token {tokenizer.eos_token!r}")
        return tokenizer
    started = time.perf_counter()
    tokenizer = train_tokenizer(
        task.tokenizer_corpus(train_split, recipe.data), spec.tokenizer_vocab_size, task.tokenizer_style, log
    )
    log(
        f"trained a {len(tokenizer)}-token {task.tokenizer_style} tokenizer on the training split in {time.perf_counter() - started:.1f} s"
    )
    return tokenizer


def check_batch_fits(train_split, batch_size, train):
    """Refuses a step (`batch_size` examples over all replicas) larger than the training split."""
    if len(train_split) >= batch_size:
        return
    if batch_size == train.batch_size:
        step = f"train.batch_size={batch_size}"
    else:
        step = (
            f"one step's {batch_size} examples over all replicas (train.batch_size={train.batch_size} is per replica)"
        )
    raise TfhfError(f"the training split has {len(train_split)} examples after preprocessing, fewer than {step}")


def length_buckets(recipe, train_split, tokenizer, log, static=False, batch_size=None):
    """The training split's LengthBuckets, or None when train.length_buckets is 0 (or 'auto' chose none).

    `static` (TPUs, which compile one program per input shape): at least one bucket, so
    every batch is padded to a fixed length even without bucketing.
    """
    count = bucket_count(recipe, train_split, batch_size or recipe.train.batch_size, log)
    count = max(count, 1 if static else 0)
    if not count:
        return None
    buckets = LengthBuckets.for_split(train_split, count, tokenizer.pad_token_id)
    targets = f", target lengths {buckets.target_buckets}" if buckets.target_buckets else ""
    log(f"length buckets: input lengths {buckets.input_buckets}{targets}")
    return buckets


def bucket_count(recipe, train_split, batch_size, log):
    """train.length_buckets, with 'auto' resolved: for a task that buckets by default, from the data's lengths."""
    requested = recipe.train.length_buckets
    if requested != "auto":
        return requested
    task = task_for(recipe)
    if not task.buckets_by_default:
        return 0
    count, why = auto_bucket_count(example_lengths(train_split), batch_size, recipe.train.seed)
    log(f"train.length_buckets='auto': {count or 'no'} length buckets ({why})")
    return count


def build(recipe, task, tokenizer, log, new_tokenizer):
    """The model (inside the caller's strategy scope, with its LoRA adapters when train.lora_rank asks);
    a newly trained tokenizer learns its length limit."""
    banner(log, "Model")
    model = make_model(recipe, task, tokenizer, log)
    check_positions(recipe, model.config)
    precision.adapt(model)
    log(f"{type(model).__name__}: {model.count_params():,} parameters")
    if recipe.train.lora_rank:  # before compile, which gives the optimizer the trainable weights
        new = new_weights(model) if recipe.model.checkpoint else None  # None: built from scratch
        log(apply_lora(model, recipe.train, new).describe())
    # Dropout's generators draw their seeds when created: creating them here, always, keeps
    # those seeds the same whatever runs next (the preflight checks, compile). The adapters' too.
    random_generators(model)
    if recipe.train.gradient_checkpointing:
        blocks = checkpoint_blocks(model)
        log(f"gradient checkpointing: {blocks} transformer block(s) recompute their activations in the backward pass")
    if new_tokenizer and not (recipe.model.tokenizer or recipe.model.checkpoint):
        tokenizer.model_max_length = getattr(model.config, "max_position_embeddings", tokenizer.model_max_length)
    return model


def make_model(recipe, task, tokenizer, log):
    spec = recipe.model
    if spec.checkpoint:
        model, loaded = load_checkpoint(
            task.model_class, spec.checkpoint, trust_remote_code=spec.trust_remote_code, **task.head_config(recipe.data)
        )
        for line in [*loaded.describe(spec.checkpoint, len(model.weights)), LAST_TENSORFLOW_RELEASE]:
            log(line)
        return model
    return build_model(
        task.model_class, spec.config, **task.special_token_ids(tokenizer), **task.head_config(recipe.data)
    )


def compile_for_training(recipe, model, total_steps, steps_per_execution=None):
    """Compiles `model` with transformers' AdamW (warmup, then train.lr_schedule over `total_steps`); returns the
    optimizer.

    `steps_per_execution` defaults to the recipe's train.steps_per_execution.
    """
    optimizer = make_optimizer(recipe.train, total_steps)
    model.compile(  # no Keras loss: the model computes its own from `labels`
        optimizer=optimizer, steps_per_execution=steps_per_execution or recipe.train.steps_per_execution
    )
    prepare_train_step(model)
    return model.optimizer  # under mixed_float16, wrapped in a LossScaleOptimizer by compile


def compile_with_run_step(recipe, task, model, total_steps):
    """(optimizer, the step's callbacks): `model` compiled for training with the train step `tfhf run` trains with.

    `tfhf bench` times its training step through this too, so the step it times is the run's.
    """
    optimizer = compile_for_training(recipe, model, total_steps)
    return optimizer, install_train_step(recipe, task, model)


def install_train_step(recipe, task, model):
    """tfhf.train.train_step's step, when the recipe accumulates gradients, smooths labels or chunks the LM loss;
    returns its callbacks."""
    callback = train_step.install(model, recipe.train, task.loss_kind)
    return [callback] if callback else []
