"""The learning rate at each step, against the formula of each train.lr_schedule, and gradient clipping."""

import json
import math

import pytest
import tensorflow as tf

from tests.helpers import run
from tfhf.recipe import Train
from tfhf.train.lr_schedules import make_optimizer

PEAK, TOTAL, WARMUP = 1e-3, 100, 10  # warmup_ratio 0.1 of 100 steps


def rate(optimizer, step):
    """The schedule's rate at `step` (Keras's Adam shows its current rate as a variable, the schedule behind it)."""
    schedule = optimizer.learning_rate if callable(optimizer.learning_rate) else optimizer._learning_rate
    return float(schedule(tf.constant(step, tf.float32)))


def expected(schedule, step):
    if step < WARMUP:
        return PEAK * step / WARMUP
    done = (step - WARMUP) / (TOTAL - WARMUP)
    return {
        "linear": PEAK * (1 - done),
        "cosine": PEAK * 0.5 * (1 + math.cos(math.pi * done)),
        "constant": PEAK,
    }[schedule]


@pytest.mark.parametrize("schedule", ["linear", "cosine", "constant"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])  # Adam, or AdamW with LayerNorm and biases excluded
def test_each_schedule_warms_up_then_follows_its_formula(schedule, weight_decay):
    train = Train(learning_rate=PEAK, warmup_ratio=0.1, lr_schedule=schedule, weight_decay=weight_decay)
    optimizer = make_optimizer(train, TOTAL)
    for step in (0, 5, 10, 37, 55, 99, 100):
        assert rate(optimizer, step) == pytest.approx(expected(schedule, step), rel=1e-5, abs=1e-9), step
    assert (optimizer.get_config().get("weight_decay_rate", 0.0)) == weight_decay


def test_clipping_bounds_the_global_norm_of_a_step():
    variable = tf.Variable([0.0, 0.0])
    optimizer = make_optimizer(
        Train(learning_rate=1.0, weight_decay=0.0, lr_schedule="constant", max_grad_norm=0.5), 10
    )
    assert optimizer.global_clipnorm == 0.5
    clipped = optimizer._clip_gradients([tf.constant([30.0, 40.0])])  # norm 50 -> 0.5, the direction kept
    assert [round(float(g), 6) for g in clipped[0]] == [0.3, 0.4]
    assert make_optimizer(Train(), 10).global_clipnorm is None  # no clipping unless asked
    del variable


def test_a_run_trains_with_cosine_decay_and_clipping(tmp_path, tiny_recipe_file):
    overrides = ("train.lr_schedule='cosine'", "train.max_grad_norm=1.0", "train.warmup_ratio=0.2")
    result = run(tiny_recipe_file, tmp_path / "run", *overrides)
    assert result.exit_code == 0, result.output[-3000:]
    saved = (tmp_path / "run" / "recipe.json").read_text()
    assert '"lr_schedule": "cosine"' in saved and '"max_grad_norm": 1.0' in saved
    assert run(tiny_recipe_file, tmp_path / "linear").exit_code == 0
    losses = [json.loads((tmp_path / name / "metrics.json").read_text())["train"]["loss"] for name in ("run", "linear")]
    assert all(map(math.isfinite, losses[0]))
    assert losses[0] != losses[1]  # the schedule and the clipping changed what training computed
