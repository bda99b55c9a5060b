"""`tfhf export RUN --format saved_model|tflite`: a run's model for TF Serving and TensorFlow Lite.

The export is the model's forward pass as one `tf.function` over `input_ids` and
`attention_mask` (int32, any batch and length for a SavedModel; TFLite takes the shape
the interpreter is resized to), returning the task's logits. It is written beside the run
as `RUN/export/saved_model` or `RUN/export/model.tflite`, all at once.

Generating tasks are refused for now: TensorFlow's `generate` inside a SavedModel needs a
fixed batch size, and its loop does not convert to TFLite; `tfhf predict --xla` is their
fast path.
"""

import shutil
from pathlib import Path

import tensorflow as tf

from tfhf.errors import TfhfError
from tfhf.model_loading import load_pretrained_model
from tfhf.predict import infer_task
from tfhf.run_dir import marker, write_marker

FORMATS = ("saved_model", "tflite")
INPUTS = ("input_ids", "attention_mask")


def serving_function(model):
    """The forward pass over int32 input ids and mask, returning every `*logits` output as float32."""
    spec = [tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUTS]

    @tf.function(input_signature=spec)
    def serve(input_ids, attention_mask):
        outputs = model({"input_ids": input_ids, "attention_mask": attention_mask}, training=False)
        return {key: tf.cast(value, tf.float32) for key, value in outputs.items() if key.endswith("logits")}

    return serve


def export(run_dir, export_format, log=print):
    """Writes the export of `run_dir`'s model in `export_format`; returns its path."""
    if export_format not in FORMATS:
        raise TfhfError(f"--format must be one of {', '.join(FORMATS)}; got {export_format!r}")
    run_dir = Path(run_dir)
    task = infer_task(run_dir)
    if task.generates:
        raise TfhfError(
            f"{task.name} generates text, and exporting `generate` is not supported yet (a SavedModel's generate "
            "needs a fixed batch size and TFLite cannot convert its loop); use `tfhf predict --xla`"
        )
    model = load_pretrained_model(task.model_class, str(run_dir))
    serve = serving_function(model)
    target = run_dir / "export" / ("saved_model" if export_format == "saved_model" else "model.tflite")
    partial = target.with_name(f".partial-{target.name}")
    shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(missing_ok=True)
    target.parent.mkdir(exist_ok=True)
    if export_format == "saved_model":
        tf.saved_model.save(model, str(partial), signatures={"serving_default": serve.get_concrete_function()})
    else:
        converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], model)
        try:
            partial.write_bytes(converter.convert())
        except Exception as error:  # noqa: BLE001 -- the converter's many failure types: one line naming the cause
            raise TfhfError(
                f"TFLite cannot convert this {task.name} model: {str(error).splitlines()[0][:300]}"
            ) from None
    if target.is_dir():
        shutil.rmtree(target)
    partial.replace(target)
    saved = marker(run_dir)
    if saved and "export" not in saved["files"]:  # the folder stays tfhf's to replace
        write_marker(run_dir, saved["task"], [*saved["files"], "export"], complete=saved.get("complete", False))
    log(f"wrote {target}")
    return target
