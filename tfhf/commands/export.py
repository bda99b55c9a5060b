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

from tfhf.commands.predict import infer_task
from tfhf.errors import TfhfError
from tfhf.model.generation import logits_processors_through_autograph
from tfhf.model.loading import load_pretrained_model
from tfhf.model.positions import model_positions
from tfhf.publish.run_dir import marker, refuse_foreign_entries, tree, write_marker

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
        with logits_processors_through_autograph(model):  # traced without AutoGraph, as tfhf.model.generation does
            return {"sequences": model.generate(input_ids=input_ids, attention_mask=attention_mask)}

    return tf.function(generate, input_signature=spec, autograph=False)


def write_export(model, serve, task, export_format, partial):
    """Writes the SavedModel or the TFLite file to `partial`, first removing what an earlier export cut short left."""
    if partial.is_dir():
        shutil.rmtree(partial)
    partial.unlink(missing_ok=True)
    partial.parent.mkdir(exist_ok=True)
    if export_format == "saved_model":
        tf.saved_model.save(model, str(partial), signatures={"serving_default": serve.get_concrete_function()})
        return
    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], model)
    try:
        partial.write_bytes(converter.convert())
    except Exception as error:  # noqa: BLE001 -- the converter's many failure types: one line naming the cause
        raise TfhfError(f"TFLite cannot convert this {task.name} model: {str(error).splitlines()[0][:300]}") from None


def check_export_target(run_dir, target):
    """Refuses an export that would replace a file tfhf did not write: anywhere in a tfhf run's folder (its
    marker lists what is tfhf's), or an existing export in a folder without one (a checkpoint folder)."""
    if marker(run_dir):
        refuse_foreign_entries(run_dir, f"exporting into {target}")
    elif target.exists():
        raise TfhfError(
            f"{target} exists and {run_dir} is not a tfhf run, so tfhf cannot tell it wrote it; move it out first"
        )


def record_export(run_dir, target):
    """Lists the export's files in the run's marker, so the folder stays tfhf's to replace, export into and push."""
    saved = marker(run_dir)
    if not saved:
        return
    written = [target.relative_to(run_dir).as_posix()]
    if target.is_dir():
        written += [f"{written[0]}/{entry}" for entry in tree(target)]
    kept = [entry for entry in saved["files"] if not (entry == written[0] or entry.startswith(written[0] + "/"))]
    write_marker(run_dir, saved["task"], [*kept, "export", *written], complete=saved.get("complete", False))


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
    check_export_target(run_dir, target)  # before anything is written
    partial = target.with_name(f".partial-{target.name}")
    write_export(model, serve, task, export_format, partial)
    if target.is_dir():
        shutil.rmtree(target)
    partial.replace(target)
    record_export(run_dir, target)
    log(f"wrote {target}")
    return target
