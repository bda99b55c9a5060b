"""Deciding, before training, whether a run starts fresh or resumes, and refusing the unsafe cases.

The output directory of a run in progress holds `checkpoints/`: the resolved recipe and
the scores measured before training (`run.json`), the tokenizer, and the checkpoints
themselves (tfhf.train.checkpoints). When the run finishes, the published output replaces the
whole directory, checkpoints included. Running a recipe into a directory that has
checkpoints resumes from the latest one, if the recipe agrees with the saved one on every
setting that shapes training; `--restart` discards them instead.
"""

import dataclasses
import json
import shutil
from pathlib import Path

from tfhf.errors import TfhfError
from tfhf.recipe.loading import flat_settings
from tfhf.recipe.parts import PART_CLASSES
from tfhf.train.checkpoints import replace_text

CHECKPOINTS = "checkpoints"
RUN_FILE = "run.json"
TOKENIZER = "tokenizer"

# Settings a resumed run may change: they shape where results go and how evaluation
# reports, not what training computes.
FREE_ON_RESUME = (
    "output.",
    "eval.batch_size",
    "generate.",
    "train.checkpoint_every",
    "train.keep_checkpoints",
    "train.checkpoint_in_background",
    "train.preflight",
    "data.predict_texts",
    "data.predict_questions",
    "data.max_eval_samples",
)


def checkpoints_folder(output_dir):
    return Path(output_dir) / CHECKPOINTS


def saved_run(output_dir, recipe_dict, fingerprints, restart, log):
    """The run saved in `output_dir/checkpoints` to resume (save_run_start's dict), or None to start fresh.

    With `restart`, or when no checkpoint was completed, the folder is cleared. A saved
    run whose recipe differs from `recipe_dict` in a setting that matters, or whose data
    had other content than `fingerprints` (tfhf.data.fingerprint), is refused.
    """
    folder = checkpoints_folder(output_dir)
    if not folder.exists():
        return None
    run_file = folder / RUN_FILE
    if restart or not (folder / "latest").exists() or not run_file.exists():
        if restart:
            log(f"--restart: discarding the checkpoints in {folder}")
        shutil.rmtree(folder)
        return None
    saved = read_json(run_file)
    differences = differing_settings(saved["recipe"], recipe_dict)
    if differences:
        raise TfhfError(
            f"{folder} holds checkpoints of a run with other settings ({'; '.join(differences)}); "
            "rerun with --restart to discard them, or choose another --output-dir"
        )
    changed = [name for name, value in fingerprints.items() if saved.get("data", {}).get(name) != value]
    if changed:
        raise TfhfError(
            f"{folder} holds checkpoints of a run trained on other data: the {' and '.join(changed)} split(s) of "
            f"data.path={recipe_dict['data']['path']!r} changed since; rerun with --restart to discard them, "
            "or choose another --output-dir"
        )
    return saved


def save_run_start(folder, recipe_dict, fingerprints, scores, showcase, tokenizer):
    """What `saved_run` reads back besides the checkpoints: the tokenizer, the recipe, the data's fingerprints,
    the scores (RunMetrics.to_dict) and the showcase predictions made before training."""
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(folder / TOKENIZER)
    run = {"recipe": recipe_dict, "data": fingerprints, "scores": scores, "showcase_before": showcase}
    replace_text(folder / RUN_FILE, json.dumps(run, indent=2))


def differing_settings(saved, current):
    """'key: saved -> current' for every setting that differs and matters for resuming."""
    saved, current = flat_settings(saved), flat_settings(current)
    return [
        f"{key}: {saved.get(key)!r} there, {current.get(key)!r} here"
        for key in sorted(set(saved) | set(current))
        if not key.startswith(FREE_ON_RESUME)
        and saved.get(key) != current.get(key)
        and not (key not in saved and new_setting_at_its_default(key, current[key]))
    ]


def new_setting_at_its_default(key, value):
    """Whether `key`, a setting the saved run's tfhf did not have yet, is at its default here.

    A new setting's default keeps what tfhf did before it existed, so a run started by an
    older tfhf trains on as it began.
    """
    part, _, name = key.partition(".")
    if part not in PART_CLASSES or part == "data":  # the data part's class depends on the task
        return False
    field = next((field for field in dataclasses.fields(PART_CLASSES[part]) if field.name == name), None)
    if field is None:
        return False
    default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    return json.loads(json.dumps(value)) == json.loads(json.dumps(default))  # a tuple here, a list in run.json


def read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TfhfError(f"cannot read {path}: {error}") from None
