"""Keras's train step traced once without AutoGraph, and with it when the step branches on a tensor."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras
from tensorflow.python.autograph.core import ag_ctx

from tfhf.train.step_tracing import create_optimizer_variables, trace_train_step_without_autograph


class Recording(tf_keras.Model):
    """A dense layer whose call notes AutoGraph's status; with `branchy`, it branches on a tensor."""

    def __init__(self, branchy=False):
        super().__init__()
        self.dense = tf_keras.layers.Dense(1, kernel_initializer="ones")
        self.branchy = branchy
        self.statuses = []

    def call(self, inputs):
        self.statuses.append(ag_ctx.control_status_ctx().status)
        outputs = self.dense(inputs)
        if self.branchy and tf.shape(inputs)[1] > 1:  # a Python `if` on a tensor: needs AutoGraph in a graph
            outputs = outputs * 2.0
        return outputs


def batches():
    x = np.arange(24, dtype=np.float32).reshape(6, 4) / 24
    y = np.linspace(0, 1, 6, dtype=np.float32).reshape(6, 1)
    # an unknown row length, as in a run's batches of varying length
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(3).map(lambda a, b: (tf.ensure_shape(a, [None, None]), b))


def trained(branchy, hooked, optimizer, steps_per_execution=1):
    model = Recording(branchy)
    model(np.zeros((1, 4), np.float32))
    model.compile(optimizer=optimizer, loss="mse", steps_per_execution=steps_per_execution)
    if hooked:
        create_optimizer_variables(model.optimizer, model.trainable_variables)
        trace_train_step_without_autograph(model)
    model.fit(batches(), epochs=2, verbose=0)
    return model


def test_the_step_is_traced_once_and_without_autograph():
    model = trained(branchy=False, hooked=True, optimizer=tf_keras.optimizers.legacy.Adam(0.1))
    assert ag_ctx.Status.DISABLED in model.statuses and ag_ctx.Status.ENABLED not in model.statuses
    assert model.train_function.traced.experimental_get_tracing_count() == 1  # the optimizer's slots existed
    plain = trained(branchy=False, hooked=False, optimizer=tf_keras.optimizers.legacy.Adam(0.1))
    np.testing.assert_allclose(model.get_weights()[0], plain.get_weights()[0], rtol=1e-6)


@pytest.mark.parametrize("steps_per_execution", [1, 2])  # 2: Keras loops over the steps in the graph
def test_a_step_that_branches_on_a_tensor_falls_back_to_autograph_with_the_same_result(steps_per_execution):
    model = trained(
        branchy=True, hooked=True, optimizer=tf_keras.optimizers.Adam(0.1), steps_per_execution=steps_per_execution
    )
    assert ag_ctx.Status.ENABLED in model.statuses or ag_ctx.Status.UNSPECIFIED in model.statuses
    plain = trained(
        branchy=True, hooked=False, optimizer=tf_keras.optimizers.Adam(0.1), steps_per_execution=steps_per_execution
    )
    np.testing.assert_allclose(model.get_weights()[0], plain.get_weights()[0], rtol=1e-6)


def test_optimizer_variables_are_made_before_any_step():
    for optimizer in (tf_keras.optimizers.legacy.Adam(0.1), tf_keras.optimizers.Adam(0.1)):
        model = Recording()
        model(np.zeros((1, 4), np.float32))
        create_optimizer_variables(optimizer, model.trainable_variables)
        names = (
            [variable.name for variable in optimizer.variables()]
            if callable(optimizer.variables)
            else [variable.name for variable in optimizer.variables]
        )
        assert sum("kernel" in name for name in names) >= 2, names  # Adam's two moments for the kernel
