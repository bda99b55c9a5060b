"""`tfhf doctor`: the first training batch decoded and the classic mistakes checked, without training.

Data, tokenizer, runtime and model are prepared exactly as a run prepares them
(tfhf.train.preparation), so the batch checked is the batch `tfhf run` would train on.
"""

from tfhf.log_format import banner
from tfhf.runtime import distribution
from tfhf.runtime import start as runtime
from tfhf.train.preflight import run_preflight
from tfhf.train.preparation import build, checked_task, load_data, start_runtime, tokenize


def diagnose(recipe, log=print):
    """The preflight checks' results for `recipe` (tfhf.train.preflight), failed ones included."""
    task = checked_task(recipe, log)
    planned = distribution.plan(recipe.runtime)
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = load_data(recipe, task, log)
    recipe, tokenizer, tokenized, _ = tokenize(recipe, task, raw, log)
    started = start_runtime(recipe, planned, tokenized["train"], tokenizer, threads, log)
    with started.strategy.scope():
        model = build(recipe, task, tokenizer, log, new_tokenizer=True)
        banner(log, "Preflight checks")
        micro_batch = started.batch_size // recipe.train.gradient_accumulation_steps
        return run_preflight(
            recipe, task, model, tokenizer, tokenized["train"], started.buckets, log, False, micro_batch
        )
