"""Evaluation while training: after every epoch (eval.each_epoch) and every eval.every_steps optimizer
steps, keeping the best evaluation's weights (eval.best_metric, the course's load_best_model_at_end)
and stopping early after eval.patience evaluations without a better score.

tfhf.train.loop.TrainingMonitor decides when an evaluation is due and runs it between steps,
before that step's checkpoint, so a checkpoint always holds every evaluation up to its
step. The state is the list of scores and the best one's index (the patience count is
derived from them), saved in every checkpoint with the best weights: a resumed run keeps
its best evaluation and continues its patience count.
"""

from tfhf.errors import TfhfError
from tfhf.log_format import is_number

LOWER_IS_BETTER = ("loss", "perplexity")


class Evaluations:
    """Runs `evaluate(phase)` when the monitor asks; keeps the best weights; says when to stop early.

    The best weights are copied to host memory when an evaluation is the best so far, so
    keeping the best costs one copy of the model. They are put back by `restore_best`,
    once training is over.
    """

    def __init__(self, evaluate, each_epoch=True, every_steps=0, best_metric=None, patience=0, log=print):
        self.evaluate = evaluate
        self.each_epoch = each_epoch
        self.every_steps = every_steps
        self.best_metric = best_metric
        self.patience = patience
        self.log = log
        self.scores = []  # each evaluation's metrics, with the "step" and "epoch" it was made at
        self.best_index = None
        self._best_weights = None

    def run(self, model, step, epoch):
        """Evaluates `model` after optimizer step `step` (in epoch `epoch`, from 1); returns True to stop early."""
        phase = f"epoch {epoch}" if self.every_steps == 0 else f"step {step}"
        metrics, _ = self.evaluate(phase)
        self.scores.append({**metrics, "step": step, "epoch": epoch})
        # Scores only: the XLA counters are cumulative and would read as a recompile every time.
        shown = {key: value for key, value in metrics.items() if is_number(value) and not key.startswith("xla_")}
        where = f"step {step} (epoch {epoch})" if self.every_steps else f"epoch {epoch}"
        self.log(f"{where}: " + ", ".join(f"{key} {value:.4g}" for key, value in shown.items()))
        if self.best_metric is None:
            return False
        if self.best_metric not in metrics:
            raise TfhfError(
                f"eval.best_metric={self.best_metric!r} is not a metric of this task "
                f"(metrics: {', '.join(k for k, v in metrics.items() if is_number(v))})"
            )
        if self.best_index is None or self._better(metrics, self.scores[self.best_index]):
            self.best_index = len(self.scores) - 1
            self._best_weights = model.get_weights()
        if self.patience and self.since_best >= self.patience:
            best = self.scores[self.best_index]
            self.log(
                f"stopping early: {self.best_metric} has not improved in {self.patience} evaluations "
                f"(eval.patience); the best was {best[self.best_metric]:.4g} at step {best['step']}"
            )
            return True
        return False

    @property
    def since_best(self):
        """Evaluations since the best one: the patience count."""
        return 0 if self.best_index is None else len(self.scores) - 1 - self.best_index

    @property
    def best(self):
        """The kept evaluation's scores (with its step and epoch), or None."""
        return None if self.best_index is None else self.scores[self.best_index]

    def restore_best(self, model):
        if self._best_weights is not None:
            model.set_weights(self._best_weights)
            self.log(
                f"kept the weights of step {self.best['step']} (epoch {self.best['epoch']}), "
                f"evaluation {self.best_index + 1} of {len(self.scores)}, best by {self.best_metric}"
            )

    @property
    def best_weights(self):
        return self._best_weights

    def state(self):
        return {"scores": self.scores, "best_index": self.best_index}

    def load_state(self, state, best_weights):
        """Continues from a checkpoint's `state()` and best weights."""
        self.scores = list(state["scores"])
        self.best_index = state["best_index"]
        self._best_weights = best_weights

    def _better(self, metrics, best):
        value, best_value = metrics[self.best_metric], best[self.best_metric]
        return value < best_value if self.best_metric in LOWER_IS_BETTER else value > best_value
