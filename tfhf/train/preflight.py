"""The preflight checks of a run: tfhf.train.batch_checks's checks on the first batch the run would train on.

Shared by `tfhf run` (a failed check stops the run before training, with the fix) and
`tfhf doctor` (every check printed, none stops it).
"""

import numpy as np

from tfhf.data.streaming import is_streamed, stream_batches
from tfhf.errors import TfhfError
from tfhf.train import batch_checks as doctor
from tfhf.train.loop import epoch_batches


def run_preflight(recipe, task, model, tokenizer, train_split, buckets, log, stop_on_failure, batch_size):
    """Runs tfhf.train.batch_checks on the first training batch (of `batch_size`); prints the report; returns the checks.

    With `stop_on_failure`, a failed check stops the run with a one-line error.
    """
    collate = task.collator(tokenizer, model, recipe.data)
    if is_streamed(train_split):  # data.streaming: the stream's first batch
        batches = stream_batches(train_split, collate, batch_size, first_step=0, steps=1)
        columns = ()
    else:
        batches = epoch_batches(
            model, train_split, collate, batch_size, recipe.train.seed, epoch=0, first_step=0, buckets=buckets
        )
        columns = train_split.column_names
    features, labels_in_y = doctor.first_batch(batches)
    label_column = next((key for key in doctor.LABEL_KEYS if key in columns), None)
    label_values = None
    if label_column:
        label_values = np.concatenate([np.ravel(value) for value in train_split[:2000][label_column]])
    checks = doctor.diagnose(
        model,
        features,
        task.labels,
        recipe.train.learning_rate,
        labels_in_y=labels_in_y,
        label_values=label_values,
        initial_loss=not recipe.model.checkpoint,
    )
    id2label = model.config.id2label if task.labels.classes else None
    log(doctor.report(checks, doctor.describe_example(features, tokenizer, id2label)))
    failed = [check for check in checks if check.status == "fail"]
    if failed and stop_on_failure:
        check = failed[0]
        raise TfhfError(
            f"preflight check '{check.name}' failed: {check.detail}; {check.fix} "
            "(tfhf doctor RECIPE shows every check; --set train.preflight=False skips them)"
        )
    return checks
