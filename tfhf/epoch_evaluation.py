"""Evaluation after every epoch, keeping the best epoch's weights (the course's load_best_model_at_end)."""

import tensorflow as tf

from tfhf.errors import TfhfError
from tfhf.log_format import is_number

LOWER_IS_BETTER = ("loss", "perplexity")


class EpochEvaluation(tf.keras.callbacks.Callback):
    """Calls `evaluate(phase)` at each epoch's end; with `best_metric`, keeps the best epoch's weights.

    The weights are copied to host memory when an epoch is the best so far, so keeping
    the best costs one copy of the model; checkpoints save that copy too (`state`,
    `best_weights`), so a resumed run still knows its best epoch. Training runs one `fit`
    per epoch (tfhf.training), so the best weights are put back by `restore_best`, called
    once all epochs are done, not at `on_train_end`.
    """

    def __init__(self, evaluate, best_metric=None, log=print):
        super().__init__()
        self.evaluate = evaluate
        self.best_metric = best_metric
        self.log = log
        self.scores = []
        self.best_epoch = None
        self._best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        metrics, _ = self.evaluate(f"epoch {epoch + 1}")
        self.scores.append(metrics)
        # Scores only: the XLA counters are cumulative and would read as a recompile every epoch.
        shown = {key: value for key, value in metrics.items() if is_number(value) and not key.startswith("xla_")}
        self.log(f"epoch {epoch + 1}: " + ", ".join(f"{key} {value:.4g}" for key, value in shown.items()))
        if self.best_metric is None:
            return
        if self.best_metric not in metrics:
            raise TfhfError(
                f"eval.best_metric={self.best_metric!r} is not a metric of this task "
                f"(metrics: {', '.join(k for k, v in metrics.items() if is_number(v))})"
            )
        if self.best_epoch is None or self._better(metrics, self.scores[self.best_epoch - 1]):
            self.best_epoch = epoch + 1
            self._best_weights = self.model.get_weights()

    def restore_best(self):
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)
            self.log(f"kept epoch {self.best_epoch} of {len(self.scores)}, best by {self.best_metric}")

    @property
    def best_weights(self):
        return self._best_weights

    def state(self):
        return {"scores": self.scores, "best_epoch": self.best_epoch}

    def load_state(self, state, best_weights):
        """Continues from a checkpoint's `state()` and best weights."""
        self.scores = list(state["scores"])
        self.best_epoch = state["best_epoch"]
        self._best_weights = best_weights

    def _better(self, metrics, best):
        value, best_value = metrics[self.best_metric], best[self.best_metric]
        return value < best_value if self.best_metric in LOWER_IS_BETTER else value > best_value
