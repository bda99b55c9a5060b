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

`--quantize int8` (TFLite, encoder tasks): dynamic-range quantization, weights stored as
int8 and activations kept float (`tf.lite.Optimize.DEFAULT`), in `model.int8.tflite`. A
smaller file can score worse, so the float and the int8 files are both scored on the
run's validation split by the task's own evaluator (tfhf.commands.tflite_scoring): the
command prints both and writes them, with the files' sizes, to `quantization.json`.
"""

import json
import shutil
from pathlib import Path

import tensorflow as tf

from tfhf.commands.predict import infer_task
from tfhf.commands.tflite_scoring import score_tflite_files
from tfhf.errors import TfhfError
from tfhf.log_format import banner, describe_metrics
from tfhf.model.generation import logits_processors_through_autograph
from tfhf.model.loading import load_pretrained_model
from tfhf.model.positions import model_positions
from tfhf.publish.run_dir import marker, refuse_foreign_entries, tree, write_marker

FORMATS = ("saved_model", "tflite")
QUANTIZATIONS = ("int8",)
QUANTIZED_FILE = "model.int8.tflite"
QUANTIZATION_REPORT = "quantization.json"
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


def tflite_content(model, serve, task, quantize=False):
    """The TFLite flatbuffer of `serve`; `quantize`: dynamic-range quantization (int8 weights, float activations)."""
    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], model)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    try:
        return converter.convert()
    except Exception as error:  # noqa: BLE001 -- the converter's many failure types: one line naming the cause
        raise TfhfError(f"TFLite cannot convert this {task.name} model: {str(error).splitlines()[0][:300]}") from None


def write_export(model, serve, task, export_format, partial):
    """Writes the SavedModel or the TFLite file to `partial`, first removing what an earlier export cut short left."""
    if partial.is_dir():
        shutil.rmtree(partial)
    partial.unlink(missing_ok=True)
    partial.parent.mkdir(exist_ok=True)
    if export_format == "saved_model":
        tf.saved_model.save(model, str(partial), signatures={"serving_default": serve.get_concrete_function()})
        return
    partial.write_bytes(tflite_content(model, serve, task))


def replace_file(target, content):
    """Writes `content` (bytes) to `target` through a partial file beside it, so a cut-short write leaves no target."""
    partial = target.with_name(f".partial-{target.name}")
    partial.parent.mkdir(exist_ok=True)
    partial.write_bytes(content)
    partial.replace(target)


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


def check_options(export_format, batch_size, length, quantize):
    if export_format not in FORMATS:
        raise TfhfError(f"--format must be one of {', '.join(FORMATS)}; got {export_format!r}")
    if batch_size < 1 or (length is not None and length < 1):
        raise TfhfError("--batch-size and --length must be at least 1")
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise TfhfError(f"--quantize must be one of {', '.join(QUANTIZATIONS)}; got {quantize!r}")
    if quantize and export_format != "tflite":
        raise TfhfError(f"--quantize {quantize} is for --format tflite")


def export(run_dir, export_format, batch_size=1, length=None, quantize=None, log=print):
    """Writes the export of `run_dir`'s model in `export_format`; returns its path.

    `batch_size` and `length` fix a generating task's input shape (`length` defaults to the
    model's positions, or 128 without a limit). `quantize`: 'int8' (tflite, encoder tasks).
    """
    check_options(export_format, batch_size, length, quantize)
    run_dir = Path(run_dir)
    task = infer_task(run_dir)
    if quantize and task.generates:
        raise TfhfError(f"--quantize {quantize} is for encoder tasks' TFLite models; {task.name} generates text")
    if task.generates and export_format == "tflite":
        raise TfhfError(f"{task.name} generates text, and TFLite cannot convert `generate`'s loop; use saved_model")
    if quantize:
        return export_quantized(run_dir, task, log)
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


def export_quantized(run_dir, task, log):
    """`model.int8.tflite` and `quantization.json` (the float and int8 files' validation scores); returns the file."""
    if not (run_dir / "recipe.json").is_file():
        raise TfhfError(
            f"--quantize scores the model on its run's validation split, and {run_dir} has no recipe.json: "
            "export the folder of a tfhf run"
        )
    targets = [run_dir / "export" / QUANTIZED_FILE, run_dir / "export" / QUANTIZATION_REPORT]
    for target in targets:
        check_export_target(run_dir, target)  # before anything is written
    model = load_pretrained_model(task.model_class, str(run_dir))
    serve = serving_function(model)
    contents = {"float": tflite_content(model, serve, task), "int8": tflite_content(model, serve, task, quantize=True)}
    scores, split = score_tflite_files(run_dir, model, contents, log)
    report = {
        "quantization": "dynamic range: int8 weights, float activations (tf.lite.Optimize.DEFAULT)",
        **split,
        "bytes": {name: len(content) for name, content in contents.items()},
        "scores": scores,
    }
    replace_file(targets[0], contents["int8"])
    replace_file(targets[1], (json.dumps(report, indent=2) + "\n").encode("utf-8"))
    for target in targets:
        record_export(run_dir, target)
    banner(log, f"The float and int8 TFLite models on split {split['split']!r} ({split['examples']} examples)")
    for name, content in contents.items():
        log(f"  {name:5}  {describe_metrics(scores[name])}  ({len(content) / 1e6:.2f} MB)")
    log(f"wrote {targets[0]} and {targets[1]}")
    return targets[0]
