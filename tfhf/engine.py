"""The training engine: one resolved Recipe in, one output directory out.

Read top to bottom, this is the whole flow:

    runtime -> raw data -> tokenizer -> task preprocessing (datasets.map) -> model ->
    prepare_tf_dataset(task collator) -> create_optimizer -> compile -> evaluate ->
    fit -> evaluate -> output directory (model, tokenizer, recipe.json, metrics.json)

Every check of the user's input (task, data, columns, model name) happens before anything
is written; the output directory is published in one rename at the end (tfhf.run_dir).
"""

import math
import sys
import time
import warnings
from dataclasses import replace

from transformers import create_optimizer

from tfhf import runtime
from tfhf.data import load_splits
from tfhf.epoch_evaluation import EpochEvaluation, is_number
from tfhf.errors import TfhfError
from tfhf.model_loading import build_model, load_pretrained_model, load_tokenizer
from tfhf.recipe import summary
from tfhf.run_dir import staged_directory, write_json, write_jsonl
from tfhf.tasks import TASKS
from tfhf.tokenizer_training import train_tokenizer


def run(recipe, output_dir, log=print):
    """Train and evaluate as `recipe` says; write the results to `output_dir`; return metrics."""
    task = task_for(recipe)
    log(summary(recipe))
    task.validate(recipe, log)
    if recipe.eval.best_metric and not recipe.eval.each_epoch:
        raise TfhfError("eval.best_metric needs eval.each_epoch=True: the best epoch is chosen from per-epoch scores")

    banner(log, "Runtime")
    strategy, description = runtime.setup(recipe.runtime, recipe.train.seed)
    log(description)

    banner(log, "Data")
    raw = load_splits(recipe.data, task.columns(recipe.data), seed=recipe.train.seed)
    log(f"{len(raw['train'])} training and {len(raw['validation'])} validation examples from {recipe.data.path}")
    recipe = replace(recipe, data=task.resolve(recipe.data, raw))  # saved resolved, e.g. with its label names
    data = recipe.data

    banner(log, "Tokenizer")
    tokenizer = make_tokenizer(recipe, task, raw["train"], log)
    tokenized = {name: task.preprocess(split, tokenizer, data) for name, split in raw.items()}
    if len(tokenized["train"]) < recipe.train.batch_size:
        raise TfhfError(
            f"the training split has {len(tokenized['train'])} examples after preprocessing, "
            f"fewer than train.batch_size={recipe.train.batch_size}"
        )

    banner(log, "Model")
    with strategy.scope():
        model = make_model(recipe, task, tokenizer)
        if not (recipe.model.tokenizer or recipe.model.checkpoint):  # a new tokenizer learns the model's limit
            tokenizer.model_max_length = getattr(model.config, "max_position_embeddings", tokenizer.model_max_length)
        log(f"{type(model).__name__}: {model.count_params():,} parameters")
        train_set = model.prepare_tf_dataset(
            tokenized["train"],
            batch_size=recipe.train.batch_size,
            shuffle=True,
            collate_fn=task.collator(tokenizer, model, data),
        )
        steps_per_epoch = len(train_set)
        total_steps = steps_per_epoch * recipe.train.epochs
        optimizer, _ = create_optimizer(
            init_lr=recipe.train.learning_rate,
            num_train_steps=total_steps,
            num_warmup_steps=math.ceil(recipe.train.warmup_ratio * total_steps),
            weight_decay_rate=recipe.train.weight_decay,
        )
        model.compile(optimizer=optimizer)  # no Keras loss: the model computes its own from `labels`
    evaluate = task.evaluator(model, tokenizer, recipe, raw["validation"], tokenized["validation"])

    metrics = {"task": task.name}
    baseline = task.baseline_scores(raw["validation"], data)
    if baseline:
        metrics["baseline"] = baseline
        banner(log, f"Baseline: {baseline['name']}")
        log(describe_metrics({k: v for k, v in baseline.items() if k != "name"}))
    if recipe.eval.before_training:
        banner(log, "Evaluation before training")
        metrics["before"], _ = evaluate("before")
        log(describe_metrics(metrics["before"]))

    banner(log, f"Training: {recipe.train.epochs} epoch(s) of {steps_per_epoch} steps")
    each_epoch = EpochEvaluation(evaluate, recipe.eval.best_metric, log) if recipe.eval.each_epoch else None
    started = time.perf_counter()
    history = model.fit(
        train_set,
        epochs=recipe.train.epochs,
        callbacks=[each_epoch] if each_epoch else [],
        verbose=1 if sys.stdout.isatty() else 2,
    )
    seconds = time.perf_counter() - started
    samples = steps_per_epoch * recipe.train.batch_size * recipe.train.epochs
    metrics["train"] = {
        "seconds": round(seconds, 2),
        "samples_per_second": round(samples / seconds, 1),
        "steps": total_steps,
        "loss": [round(loss, 4) for loss in history.history["loss"]],
    }
    log(f"{samples} samples in {seconds:.1f} s ({samples / seconds:.1f} samples/s, first-step tracing included)")
    if each_epoch:
        metrics["epochs"] = each_epoch.scores
        if each_epoch.best_epoch:
            metrics["best_epoch"] = each_epoch.best_epoch  # its weights were restored when training ended

    banner(log, "Evaluation after training")
    metrics["after"], examples = evaluate("after")
    log(describe_metrics(metrics["after"]))
    if "before" in metrics:
        change = metrics["after"][task.headline] - metrics["before"][task.headline]
        log(
            f"{task.headline}: {metrics['before'][task.headline]:.4g} -> {metrics['after'][task.headline]:.4g} ({change:+.4g})"
        )

    banner(log, f"Saving to {output_dir}")
    with staged_directory(output_dir) as staging, warnings.catch_warnings():
        # Marian-style configs carry generation ids (forced_eos_token_id) that transformers 4.57
        # asks to move to generation_config; both are saved and read back correctly.
        warnings.filterwarnings("ignore", "Some non-default generation parameters")
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        write_json(staging / "recipe.json", recipe.to_dict())
        write_json(staging / "metrics.json", metrics)
        write_jsonl(staging / "predictions.jsonl", examples)
    return metrics


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


def make_tokenizer(recipe, task, train_split, log):
    spec = recipe.model
    name = spec.tokenizer or spec.checkpoint
    if name:
        tokenizer = load_tokenizer(name)
        log(f"{type(tokenizer).__name__} from {name}")
        return tokenizer
    started = time.perf_counter()
    tokenizer = train_tokenizer(
        task.tokenizer_corpus(train_split, recipe.data), spec.tokenizer_vocab_size, style=task.tokenizer_style
    )
    log(
        f"trained a {len(tokenizer)}-token {task.tokenizer_style} tokenizer on the training split in {time.perf_counter() - started:.1f} s"
    )
    return tokenizer


def make_model(recipe, task, tokenizer):
    spec = recipe.model
    if spec.checkpoint:
        return load_pretrained_model(task.model_class, spec.checkpoint, **task.head_config(recipe.data))
    model = build_model(
        task.model_class, spec.config, **task.special_token_ids(tokenizer), **task.head_config(recipe.data)
    )
    model.build_in_name_scope()
    return model


def describe_metrics(metrics):
    return ", ".join(
        f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}"
        for key, value in metrics.items()
        if is_number(value)
    )


def banner(log, title):
    log(f"\n== {title} " + "=" * max(0, 70 - len(title)))
