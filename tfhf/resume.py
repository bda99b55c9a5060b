"""Deciding, before training, whether a run starts fresh or resumes, and refusing the unsafe cases.

The output directory of a run in progress holds `checkpoints/`: the resolved recipe and
the scores measured before training (`run.json`), the tokenizer, and the checkpoints
themselves (tfhf.checkpoints). When the run finishes, the published output replaces the
whole directory, checkpoints included. Running a recipe into a directory that has
checkpoints resumes from the latest one, if the recipe agrees with the saved one on every
setting that shapes training; `--restart` discards them instead.
"""

import json
import shutil
import tempfile
from pathlib import Path

from tfhf.checkpoints import replace_text
from tfhf.errors import TfhfError
from tfhf.recipe import flat_settings

CHECKPOINTS = "checkpoints"
RUN_FILE = "run.json"
TOKENIZER = "tokenizer"

# Files that only a tfhf run directory holds: such a directory may be replaced by a new run.
RUN_MARKS = ("recipe.json", "metrics.json", CHECKPOINTS)

# Settings a resumed run may change: they shape where results go and how evaluation
# reports, not what training computes.
FREE_ON_RESUME = (
    "output.",
    "eval.batch_size",
    "generate.",
    "train.checkpoint_every",
    "train.keep_checkpoints",
    "train.preflight",
    "data.predict_texts",
    "data.predict_questions",
    "data.max_eval_samples",
)


def checkpoints_folder(output_dir):
    return Path(output_dir) / CHECKPOINTS


def check_output_dir(output_dir, task_name):
    """Refuses an output directory that is not tfhf's to replace: a file, a foreign folder, another task's run."""
    output_dir = Path(output_dir)
    if not output_dir.exists():
        check_creatable(output_dir)
        return
    if not output_dir.is_dir():
        raise TfhfError(f"output directory {output_dir} is a file")
    saved = output_dir / "recipe.json"
    if saved.exists():
        saved_task = read_json(saved).get("task")
        if saved_task != task_name:
            raise TfhfError(
                f"output directory {output_dir} holds a {saved_task!r} run, not {task_name!r}; "
                "choose another --output-dir (or remove it)"
            )
    elif any(output_dir.iterdir()) and not any((output_dir / name).exists() for name in RUN_MARKS):
        raise TfhfError(
            f"output directory {output_dir} is not empty and holds no tfhf run; choose another --output-dir"
        )


def check_creatable(output_dir):
    """Refuses, before any work, an output directory that cannot be created where it is asked for."""
    ancestor = output_dir.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise TfhfError(f"output directory {output_dir} cannot be created: {ancestor} is a file")
    try:
        tempfile.TemporaryFile(dir=ancestor).close()
    except OSError as error:
        raise TfhfError(
            f"output directory {output_dir} cannot be created: {ancestor} is not writable ({error.strerror})"
        ) from None


def saved_run(output_dir, recipe_dict, restart, log):
    """The run saved in `output_dir/checkpoints` to resume ({"recipe", "scores"}), or None to start fresh.

    With `restart`, or when no checkpoint was completed, the folder is cleared. A saved
    run whose recipe differs from `recipe_dict` in a setting that matters is refused.
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
    return saved


def save_run_start(folder, recipe_dict, scores, tokenizer):
    """What `saved_run` reads back besides the checkpoints: the tokenizer, the recipe, the scores before training."""
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(folder / TOKENIZER)
    replace_text(folder / RUN_FILE, json.dumps({"recipe": recipe_dict, "scores": scores}, indent=2))


def differing_settings(saved, current):
    """'key: saved -> current' for every setting that differs and matters for resuming."""
    saved, current = flat_settings(saved), flat_settings(current)
    return [
        f"{key}: {saved.get(key)!r} there, {current.get(key)!r} here"
        for key in sorted(set(saved) | set(current))
        if not key.startswith(FREE_ON_RESUME) and saved.get(key) != current.get(key)
    ]


def read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TfhfError(f"cannot read {path}: {error}") from None
