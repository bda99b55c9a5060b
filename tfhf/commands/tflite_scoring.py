"""A TFLite model scored on its run's validation split by the task's own evaluator (`tfhf export --quantize`).

The evaluators take a Keras model: they batch the split with its `prepare_tf_dataset` and
call it on each batch inside a `tf.function` (tfhf.model.outputs). `InterpreterModel`
stands in for it: batching is the Keras model's, and each call runs the TFLite
interpreter through `tf.numpy_function`, feeding the inputs the export takes. So the
float and the quantized files are scored by exactly the code that scored the run.
"""

import numpy as np
import tensorflow as tf

from tfhf.commands.evaluate import for_scoring, recipe_from_run, split_for_scoring
from tfhf.train.preparation import task_for


class Outputs(dict):
    """Model outputs by name, also as attributes, as transformers' ModelOutput gives them."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class InterpreterModel:
    """A TFLite file where an evaluator expects the Keras model it was converted from."""

    def __init__(self, keras_model, content):
        self.keras_model = keras_model
        self.config = keras_model.config
        self.runner = tf.lite.Interpreter(model_content=content).get_signature_runner()
        signature = self.runner.get_input_details(), self.runner.get_output_details()
        self.input_names, self.output_names = sorted(signature[0]), sorted(signature[1])

    def prepare_tf_dataset(self, *args, **kwargs):
        return self.keras_model.prepare_tf_dataset(*args, **kwargs)

    def __call__(self, features, training=False):
        def run(*arrays):
            outputs = self.runner(**{name: array.astype(np.int32) for name, array in zip(self.input_names, arrays)})
            return [outputs[name].astype(np.float32) for name in self.output_names]

        values = tf.numpy_function(
            run, [features[name] for name in self.input_names], [tf.float32] * len(self.output_names), stateful=False
        )
        return Outputs(zip(self.output_names, values))


def score_tflite_files(run_dir, keras_model, contents, log):
    """({name: the task's validation metrics} of each TFLite file's content in `contents`, {split, examples}).

    The split is the run's validation split, read as `tfhf eval RUN` reads it (its recipe.json).
    """
    recipe = recipe_from_run(run_dir)
    recipe = for_scoring(recipe, run_dir, recipe.data.validation_split)
    task = task_for(recipe)
    recipe, tokenizer, raw, tokenized = split_for_scoring(recipe, task, log)
    scores = {}
    for name, content in contents.items():
        model = InterpreterModel(keras_model, content)
        evaluate = task.evaluator(model, tokenizer, recipe, raw["validation"], tokenized["validation"])
        scores[name], _ = evaluate(name)
    ignored = sorted(set(tokenized["validation"].column_names) & ({"token_type_ids"} - set(model.input_names)))
    if ignored:
        log(f"the export takes {', '.join(model.input_names)} only: the split's {', '.join(ignored)} were not fed")
    return scores, {"split": recipe.data.validation_split, "examples": len(raw["validation"])}
