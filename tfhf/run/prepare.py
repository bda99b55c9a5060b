"""The first phase of a run: everything before training, up to a compiled model.

The steps are tfhf.train.preparation's, shared with `tfhf doctor` and `tfhf bench`; this
phase adds what only a run needs: the saved run to resume, the preflight's skip on resume,
the step plan, the optimizer and the evaluations during training.
"""

import json
from concurrent.futures import ThreadPoolExecutor

from tfhf.data.fingerprint import data_fingerprints
from tfhf.data.streaming import is_streamed
from tfhf.log_format import banner
from tfhf.model.lora import lora_of
from tfhf.publish.run_metrics import RunMetrics
from tfhf.runtime import start as runtime
from tfhf.train import resume
from tfhf.train.checkpoints import CheckpointStore, trainable_state
from tfhf.train.evaluations import Evaluations
from tfhf.train.loop import step_plan
from tfhf.train.preflight import run_preflight
from tfhf.train.preparation import build, compile_with_run_step, load_data, start_runtime, tokenize


def prepare_data(run, restart):
    """Loads and tokenizes the data; finds the interrupted run to resume, if any (refusing a changed recipe)."""
    recipe, task, log = run.recipe, run.task, run.log
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, run.raw = load_data(recipe, task, log)
    run.recipe_dict = json.loads(json.dumps(recipe.to_dict()))  # as recipe.json holds it: tuples become lists
    run.fingerprints = data_fingerprints(run.raw, task.columns(recipe.data), recipe.data)
    run.saved = resume.saved_run(run.output_dir, run.recipe_dict, run.fingerprints, restart, log)
    run.phases.end("data")
    saved_tokenizer = resume.checkpoints_folder(run.output_dir) / resume.TOKENIZER if run.saved else None
    run.recipe, run.tokenizer, run.tokenized, run.lengths_cut = tokenize(recipe, task, run.raw, log, saved_tokenizer)
    run.phases.end("tokenizing")
    return threads


def start_baselines(run):
    """Scores the task's baselines on a thread of their own while the model is built and checked: fitting TF-IDF
    and a logistic regression on a large split took 17 s, which the model's build and preflight can hide (both
    spend their time in libraries that release the GIL). A resumed run has its baselines already."""
    if run.saved or is_streamed(run.tokenized["train"]):  # a stream is read by one consumer at a time
        return
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baselines")
    run.baselines = executor.submit(run.task.baseline_scores, run.raw, run.tokenized, run.recipe.data, run.tokenizer)
    executor.shutdown(wait=False)  # the thread ends with its one task


def prepare_model(run, threads):
    """Starts the runtime, builds the model in its scope, checks it (preflight) and compiles it for training."""
    recipe, task, log = run.recipe, run.task, run.log
    started = start_runtime(recipe, run.planned, run.tokenized["train"], run.tokenizer, threads, log)
    run.strategy, run.planned, run.batch_size, run.buckets = (
        started.strategy, started.planned, started.batch_size, started.buckets
    )  # fmt: skip
    run.steps = step_plan(recipe.train, run.tokenized["train"], run.batch_size)
    with run.strategy.scope():
        run.model = build(recipe, task, run.tokenizer, log, new_tokenizer=not run.saved)
        run.phases.end("model")
        preflight(run)
        optimizer, run.step_callbacks = compile_with_run_step(recipe, task, run.model, run.steps.total)
        run.state = trainable_state(run.model, optimizer)
    run.evaluate = task.evaluator(run.model, run.tokenizer, recipe, run.raw["validation"], run.tokenized["validation"])
    run.phases.end("optimizer")


def preflight(run):
    """The preflight checks (tfhf.train.preflight), unless the run resumes: they passed when it started."""
    recipe = run.recipe
    if not recipe.train.preflight:
        return
    if run.saved:  # same recipe, same data (tfhf.train.resume): the checks passed already
        run.log("preflight checks: passed when this run started, not repeated on resume")
        return
    banner(run.log, "Preflight checks")
    micro_batch = run.batch_size // recipe.train.gradient_accumulation_steps  # what one forward pass takes
    run_preflight(recipe, run.task, run.model, run.tokenizer, run.tokenized["train"], run.buckets, run.log, True,
                  micro_batch)  # fmt: skip
    run.phases.end("preflight")


def prepare_scoring(run):
    """The evaluations during training (eval.each_epoch / every_steps), the checkpoint store and the scores."""
    recipe = run.recipe
    settings = recipe.eval
    if settings.each_epoch or settings.every_steps:
        run.evaluations = Evaluations(
            run.evaluate, settings.each_epoch, settings.every_steps, settings.best_metric, settings.patience, run.log
        )
    run.store = CheckpointStore(
        resume.checkpoints_folder(run.output_dir),
        recipe.train.keep_checkpoints,
        run.log,
        in_background=recipe.train.checkpoint_in_background,
    )
    lora = lora_of(run.model)
    parameters = {"trained": lora.trained, "total": lora.total} if lora else None
    run.metrics = RunMetrics(task=run.task.name, parameters=parameters)
    run.card_name = recipe.hub.repo_id or run.output_dir.name
