"""Evaluation during training (eval.each_epoch, eval.every_steps), the best weights kept
(eval.best_metric) and early stopping (eval.patience), driven by scripted scores through
tfhf's own training loop (fit_epochs) and TrainingMonitor, as a run drives them."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf
from datasets import Dataset
from transformers import DefaultDataCollator, TFAutoModelForSequenceClassification

from tests.helpers import TINY_DISTILBERT
from tfhf.errors import TfhfError
from tfhf.model.loading import build_model
from tfhf.train.evaluations import Evaluations
from tfhf.train.loop import Progress, StepPlan, TrainingMonitor, fit_epochs

STEPS_PER_EPOCH = 4  # 8 rows, batches of 2


class ScriptedRun:
    """A tiny DistilBERT classifier trained by tfhf's own loop (fit_epochs), evaluated with scripted f1 scores."""

    def __init__(self, f1s, **settings):
        self.f1s = list(f1s)
        self.weights_seen = {}  # step -> the weights the evaluation at that step saw
        self.saved = []  # the steps checkpoints were saved at, with the evaluation state then
        tf.keras.utils.set_random_seed(0)
        self.model = build_model(TFAutoModelForSequenceClassification, TINY_DISTILBERT, vocab_size=20, pad_token_id=0)
        self.model.compile(optimizer=tf.keras.optimizers.SGD(0.1))
        self.progress = Progress()
        self.evaluations = Evaluations(self._evaluate, log=lambda line: None, **settings)
        ids = np.random.default_rng(0).integers(1, 20, size=(8, 5))
        self.rows = Dataset.from_dict({"input_ids": ids.tolist(), "labels": [i % 2 for i in range(8)]})

    def _evaluate(self, phase):
        self.weights_seen[self.progress.global_step] = self.model.get_weights()
        return {"f1": self.f1s.pop(0)}, []

    def _save(self):
        # as a checkpoint writes it: JSON, a copy of the state at this step
        state = json.loads(json.dumps([self.evaluations.state(), self.progress.to_dict()]))
        self.saved.append((self.progress.global_step, *state))

    def train(self, epochs, checkpoint_every=0):
        monitor = TrainingMonitor(
            self.progress, STEPS_PER_EPOCH, self._save, lambda: None, checkpoint_every,
            SimpleNamespace(requested=None), self.evaluations,
        )  # fmt: skip
        collate = DefaultDataCollator(return_tensors="np")
        plan = StepPlan(STEPS_PER_EPOCH, epochs)
        fit_epochs(self.model, self.rows, collate, 2, plan, seed=0, callbacks=[monitor], progress=self.progress,
                   verbose=0)  # fmt: skip
        return self


def test_every_steps_evaluates_within_epochs_and_patience_stops_at_the_right_step_keeping_the_best():
    # every 2 steps: step 2 -> 0.5, 4 -> 0.7 (best), 6 -> 0.6, 8 -> 0.65: two without a better f1
    run = ScriptedRun([0.5, 0.7, 0.6, 0.65, 0.99], every_steps=2, each_epoch=False, best_metric="f1", patience=2)
    run.train(epochs=5)
    evaluations = run.evaluations
    assert [(s["step"], s["epoch"], s["f1"]) for s in evaluations.scores] == [
        (2, 1, 0.5), (4, 1, 0.7), (6, 2, 0.6), (8, 2, 0.65)
    ]  # fmt: skip
    assert run.progress.global_step == 8 and run.progress.stopped_early
    assert evaluations.best["step"] == 4
    evaluations.restore_best(run.model)
    for restored, best in zip(run.model.get_weights(), run.weights_seen[4]):
        np.testing.assert_array_equal(restored, best)
    assert not np.allclose(run.weights_seen[4][0], run.weights_seen[8][0])  # training had moved on


def test_a_stop_in_the_middle_of_an_epoch_ends_training_there():
    run = ScriptedRun([0.9, 0.1, 0.2], every_steps=3, each_epoch=False, best_metric="f1", patience=2)
    run.train(epochs=5)
    assert run.progress.global_step == 9 and len(run.progress.epoch_losses) == 3  # epoch 3 cut short after 1 step
    assert run.saved[-1][0] == 9 and run.saved[-1][2]["stopped_early"]  # the checkpoint knows it stopped


def test_each_epoch_and_every_steps_together_evaluate_once_at_a_shared_step():
    run = ScriptedRun([0.1, 0.2, 0.3, 0.4], every_steps=2, each_epoch=True)
    run.train(epochs=2)
    assert [s["step"] for s in run.evaluations.scores] == [2, 4, 6, 8]


def test_a_resumed_run_continues_the_patience_count_and_stops_where_an_uninterrupted_run_does():
    scripted = [0.5, 0.7, 0.6, 0.65, 0.99]
    settings = {"every_steps": 2, "each_epoch": False, "best_metric": "f1", "patience": 2}
    whole = ScriptedRun(scripted, **settings).train(epochs=5)

    first = ScriptedRun(scripted, **settings).train(epochs=5, checkpoint_every=6)
    [(_, state, progress)] = [saved for saved in first.saved if saved[0] == 6]
    assert state["best_index"] == 1 and len(state["scores"]) == 3  # one evaluation since the best, at the kill
    resumed = ScriptedRun(scripted[3:], **settings)
    resumed.progress = Progress(**progress)
    resumed.evaluations.load_state(state, first.weights_seen[4])
    resumed.train(epochs=5)
    assert resumed.progress.global_step == whole.progress.global_step == 8
    assert resumed.evaluations.scores == whole.evaluations.scores


def test_an_unknown_best_metric_names_the_metrics_there_are():
    evaluations = Evaluations(lambda phase: ({"accuracy": 0.5, "f1": 0.4}, []), best_metric="f2", log=lambda _: None)
    with pytest.raises(
        TfhfError, match=r"eval.best_metric='f2' is not a metric of this task \(metrics: accuracy, f1\)"
    ):
        evaluations.run(None, step=4, epoch=1)


def test_patience_without_a_best_metric_is_refused_naming_both_settings():
    from tfhf.recipe import Eval, Model, Recipe, TextData
    from tfhf.train.preparation import checked_task

    recipe = Recipe(task="text-generation", model=Model(), data=TextData(), eval=Eval(every_steps=10, patience=2))
    with pytest.raises(TfhfError, match="eval.patience needs eval.best_metric"):
        checked_task(recipe, log=lambda line: None)
