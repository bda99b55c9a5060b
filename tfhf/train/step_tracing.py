"""Keras's training step traced once, without AutoGraph: most of a small model's start-up was tracing it.

Keras wraps `train_step` in a `tf.function` whose AutoGraph converts the source of the whole
step (transformers' `train_step`, the model's `call`, the loss) into graph code, and the
optimizer's slot variables, made inside that function's first call, make TensorFlow trace
it twice. So the optimizer's variables are made before the first call, and the step is
traced as plain Python: most of transformers' TensorFlow models branch on Python values
only. A step that does branch on a tensor (Marian's decoder tests the target length, a
tensor when batches vary in length) stops its trace with an error, never a different
result, and is then traced again with AutoGraph, as Keras would.
"""

import tensorflow as tf

_INSTALLED = "_tfhf_traces_without_autograph"


def trace_train_step_without_autograph(model):
    """Makes `model`'s Keras train function trace `model.train_step` without AutoGraph (from its next build)."""
    if getattr(model, _INSTALLED, False):
        return
    keras_make_train_function = model.make_train_function

    def make_train_function(force=False):
        if model.train_function is not None and not force:
            return model.train_function
        step = getattr(model.train_step, "converted_step", model.train_step)
        plain_step = tf.autograph.experimental.do_not_convert(step)
        plain_step.converted_step = step
        model.train_step = plain_step
        plain_function = keras_make_train_function(force=True)

        def train_function(iterator):
            try:
                return plain_function(iterator)
            # With train.steps_per_execution above 1, Keras loops over the steps inside the graph, and the same
            # error reaches here as AutoGraph's ValueError about the loop. Any other ValueError recurs below.
            except (tf.errors.OperatorNotAllowedInGraphError, ValueError):
                model.train_step = step  # this step branches on a tensor: let AutoGraph convert it
                model.train_function = keras_make_train_function(force=True)
                return model.train_function(iterator)

        train_function.traced = plain_function
        model.train_function = train_function
        return train_function

    model.make_train_function = make_train_function
    setattr(model, _INSTALLED, True)


def prepare_train_step(model):
    """After `model.compile`: the optimizer's variables made now (when the model has weights already) and the step
    traced without AutoGraph, so Keras traces it once."""
    if model.built:  # an unbuilt model (never called) has no weights yet: its first step makes both
        create_optimizer_variables(model.optimizer, model.trainable_variables)
    trace_train_step_without_autograph(model)


def create_optimizer_variables(optimizer, variables):
    """Makes `optimizer`'s slot variables (Adam's moments) now, outside the train function, so it is traced once."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # mixed_float16's LossScaleOptimizer wraps it
    if hasattr(optimizer, "_create_all_weights"):  # tf_keras's legacy optimizers (transformers' AdamWeightDecay)
        optimizer._create_all_weights(variables)
    else:
        optimizer.build(variables)
