"""`tfhf run`: one resolved Recipe in, one output directory out.

Read top to bottom, `train_and_publish` is the whole flow, one phase per function of
tfhf/run/ over one TrainingRun, each logged under a banner of its own:

    prepare (data, tokenizer, runtime, model, preflight, optimizer) -> start fresh or resume
    -> fit, epoch by epoch, with checkpoints -> evaluate after training -> publish (and push)

Every check of the user's input (task, data, columns, model name) happens before anything
is written. The output directory is locked for the whole run, and published all at once at
the end (tfhf.publish.run_dir); a folder tfhf did not write is never replaced.
While training, checkpoints/ in the output directory lets a killed run resume (tfhf.train.resume).
"""

import errno
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from tfhf.errors import TfhfError
from tfhf.publish import run_dir
from tfhf.publish.hub_push import HubPusher, hub_token
from tfhf.run.finish import evaluate_after_training, publish
from tfhf.run.fit import fit
from tfhf.run.prepare import prepare_data, prepare_model, prepare_scoring, start_baselines
from tfhf.run.start import start_or_resume
from tfhf.run.state import TrainingRun
from tfhf.runtime import distribution
from tfhf.runtime.startup_phases import StartupPhases
from tfhf.train.preparation import checked_task
from tfhf.train.signals import stop_requests

DISK_FULL = re.compile(r"No space left on device|os error 28", re.IGNORECASE)


def run(recipe, output_dir, log=print, restart=False):
    """Train and evaluate as `recipe` says; write the results to `output_dir`; return metrics.

    A run stopped by a signal or a crash resumes from its latest checkpoint when run again
    into the same `output_dir` (unless `restart`). In a multi-worker run only the chief
    writes `output_dir`; the other workers keep their checkpoints in a scratch folder
    beside it (so they can resume too) and remove it when the run is complete.
    """
    phases = StartupPhases()
    task = checked_task(recipe, log)
    planned = distribution.plan(recipe.runtime)
    token = push_token(recipe, planned)  # a missing token stops the run now, not after training
    if planned.replicas:  # refused before any strategy starts; a TPU's replicas are known once it is connected
        planned.global_batch(recipe.train)
    output_dir = Path(output_dir)
    if not planned.is_chief:
        output_dir = output_dir.with_name(f".{output_dir.name}.worker-{planned.worker_index}")
        log(f"worker {planned.worker_index} is not the chief: its files go to {output_dir}, removed at the end")
    run_dir.check_output_dir(output_dir, task.name)  # before the lock file is written beside it
    with run_dir.output_lock(output_dir, log):
        run_dir.recover(output_dir, log)
        run_dir.check_output_dir(output_dir, task.name)  # again: the recovery may have put a run back
        with stop_requests() as requests, disk_full_as_one_line(output_dir):
            metrics = train_and_publish(
                TrainingRun(task, recipe, output_dir, log, phases, planned=planned), restart, requests, token
            )
        if not planned.is_chief:
            shutil.rmtree(output_dir, ignore_errors=True)
    return metrics


def train_and_publish(run, restart, requests, token):
    """The run's phases in order; returns metrics.json's dict."""
    threads = prepare_data(run, restart)
    start_baselines(run)
    prepare_model(run, threads)
    run_dir.claim(run.output_dir, run.task.name)  # the first write into the output directory
    prepare_scoring(run)
    start_or_resume(run)
    pusher = HubPusher(run.recipe.hub.repo_id, token, run.log, private=run.recipe.hub.private) if token else None
    fit(run, requests, pusher)
    evaluate_after_training(run)
    publish(run, pusher)
    return run.metrics.to_dict()


@contextmanager
def disk_full_as_one_line(output_dir):
    """A full disk while training or publishing, as one line: checkpoints and publishing are atomic, so nothing is lost."""
    try:
        yield
    except Exception as error:
        if not (getattr(error, "errno", None) == errno.ENOSPC or DISK_FULL.search(str(error))):
            raise
        raise TfhfError(
            f"the disk is full while writing {output_dir}; free some space and run the same command again "
            "(it resumes from the last complete checkpoint; nothing already written was lost)"
        ) from None


def push_token(recipe, planned):
    """The Hub token when this process pushes (hub.repo_id set, chief worker), else None."""
    if not recipe.hub.repo_id or not planned.is_chief:
        return None
    return hub_token()
