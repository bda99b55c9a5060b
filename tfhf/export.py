"""`tfhf export RUN --format saved_model|tflite`: a run's model for TF Serving and TensorFlow Lite.

Encoder tasks: the model's forward pass as one `tf.function` over `input_ids` and
`attention_mask` (int32, any batch and length for a SavedModel; TFLite takes the shape
the interpreter is resized to), returning the task's logits.

Generating tasks: `generate` itself in the SavedModel's graph, with the generation
settings the run was evaluated with (its generation_config). TensorFlow's `generate`
needs static shapes there, so the signature takes exactly `batch_size` rows of `length`
tokens (pad with the pad id and a 0 mask; shorter batches padded with whole rows) and
returns `sequences`. Their loop does not convert to TFLite, which is refused by name.

The export is written into `RUN/export/` (`saved_model` or `model.tflite`), all at once.
"""

import shutil
from pathlib import Path

import tensorflow as tf

from tfhf.errors import TfhfError
from tfhf.generation import logits_processors_through_autograph
from tfhf.model_loading import load_pretrained_model
from tfhf.position_limits import model_positions
from tfhf.predict import infer_task
from tfhf.run_dir import marker, write_marker

FORMATS = ("saved_model", "tflite")
INPUTS = ("input_ids", "attention_mask")
DEFAULT_LENGTH = 128  # a generating model's input length when its positions set no limit (T5)


def serving_function(model):
    """The forward pass over int32 input ids and mask, returning every `*logits` output as float32."""
    spec = [tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUTS]

    @tf.function(input_signature=spec)
    def serve(input_ids, attention_mask):
        outputs = model({"input_ids": input_ids, "attention_mask": attention_mask}, training=False)
        return {key: tf.cast(value, tf.float32) for key, value in outputs.items() if key.endswith("logits")}

    return serve


def generating_function(model, batch_size, length):
    """`generate` over exactly `batch_size` x `length` int32 inputs, with the model's generation_config."""
    spec = [tf.TensorSpec([batch_size, length], tf.int32, name=name) for name in INPUTS]

    def generate(input_ids, attention_mask):
        with logits_processors_through_autograph(model):  # traced without AutoGraph, as tfhf.generation does
            return {"sequences": model.generate(input_ids=input_ids, attention_mask=attention_mask)}

    return tf.function(generate, input_signature=spec, autograph=False)


def export(run_dir, export_format, batch_size=1, length=None, log=print):
    """Writes the export of `run_dir`'s model in `export_format`; returns its path.

    `batch_size` and `length` fix a generating task's input shape (`length` defaults to the
    model's positions, or 128 without a limit).
    """
    if export_format not in FORMATS:
        raise TfhfError(f"--format must be one of {', '.join(FORMATS)}; got {export_format!r}")
    if batch_size < 1 or (length is not None and length < 1):
        raise TfhfError("--batch-size and --length must be at least 1")
    run_dir = Path(run_dir)
    task = infer_task(run_dir)
    if task.generates and export_format == "tflite":
        raise TfhfError(f"{task.name} generates text, and TFLite cannot convert `generate`'s loop; use saved_model")
    model = load_pretrained_model(task.model_class, str(run_dir))
    if task.generates:
        length = length or model_positions(model.config) or DEFAULT_LENGTH
        serve = generating_function(model, batch_size, length)
        log(f"generate takes exactly {batch_size} row(s) of {length} tokens: pad with the pad id and a 0 mask")
    else:
        serve = serving_function(model)
    target = run_dir / "export" / ("saved_model" if export_format == "saved_model" else "model.tflite")
    partial = target.with_name(f".partial-{target.name}")
    if partial.is_dir():  # an earlier export cut short
        shutil.rmtree(partial)
    partial.unlink(missing_ok=True)
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
