"""The output directory is never a user's loss: ownership by marker, one run at a time, publishing that survives a kill."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import invoke
from tfhf.errors import TfhfError
from tfhf.publish import run_dir
from tfhf.publish.run_dir import (
    MARKER,
    check_output_dir,
    lock_path,
    marker,
    output_lock,
    previous_name,
    recover,
    staging_name,
    write_marker,
)
from tfhf.train.resume import saved_run


def run_cli(*args):
    return invoke(*args, catch_exceptions=False)


def tree(folder):
    """{relative path: bytes} of every file under `folder`, to show nothing changed."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_users_folder_is_refused_untouched_whatever_it_holds(tmp_path, tiny_recipe_file):
    notes = tmp_path / "notes_and_checkpoints"
    (notes / "checkpoints").mkdir(parents=True)
    (notes / "notes.txt").write_text("mine")
    (notes / "checkpoints" / "epoch3.pt").write_bytes(b"weights")
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("\\begin{document}")
    (thesis / "metrics.json").write_text("{}")
    before = tree(tmp_path)
    for folder in (notes, thesis):
        result = run_cli("run", tiny_recipe_file, "--output-dir", folder)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"tfhf: error: output directory {folder} is not empty and holds no tfhf run")
        assert result.stderr.count("\n") == 1
    assert tree(tmp_path) == before
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith(".")]


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_a_finished_run_with_a_users_file_added_is_refused_and_a_clean_one_is_replaced(tmp_path, tiny_recipe_file):
    out = tmp_path / "run"
    assert run_cli("run", tiny_recipe_file, "--output-dir", out).exit_code == 0
    written = marker(out)
    assert written["complete"] is True and written["task"] == "translation"
    assert {"metrics.json", "recipe.json", "README.md"} <= set(written["files"])
    assert sorted(written["files"]) == [entry for entry in run_dir.tree(out) if entry != MARKER]  # every depth

    (out / "my_notes.txt").write_text("mine")
    result = run_cli("run", tiny_recipe_file, "--output-dir", out)
    assert result.exit_code == 2
    assert "holds files tfhf did not write (my_notes.txt)" in result.stderr
    assert (out / "my_notes.txt").read_text() == "mine"

    (out / "my_notes.txt").unlink()
    assert run_cli("run", tiny_recipe_file, "--output-dir", out, "--set", "train.seed=7").exit_code == 0
    assert json.loads((out / "recipe.json").read_text())["train"]["seed"] == 7


def a_run_folder(path, task="translation", complete=True, files=("metrics.json",)):
    path.mkdir()
    for name in files:
        (path / name).write_text(path.name)
    write_marker(path, task, files, complete=complete)
    return path


def test_a_kill_between_the_two_publishing_renames_is_finished_at_the_next_start(tmp_path):
    target = tmp_path / "run"
    in_progress = a_run_folder(previous_name(target, 111), complete=False, files=("checkpoints",))
    staged = a_run_folder(staging_name(target, 111), files=("metrics.json", "tf_model.h5"))
    lines = []
    recover(target, lines.append)
    assert (target / "tf_model.h5").read_text() == staged.name
    assert not in_progress.exists() and not staged.exists()
    assert any("finished publishing" in line for line in lines)
    assert any("removed .run.previous-111" in line for line in lines)


def test_a_kill_before_the_first_rename_finishes_the_publish_and_after_the_second_cleans_up(tmp_path):
    target = a_run_folder(tmp_path / "run", complete=False, files=("checkpoints",))
    a_run_folder(staging_name(target, 5), files=("metrics.json",))
    recover(target, print)
    assert marker(target)["complete"] is True and (target / "metrics.json").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]

    a_run_folder(previous_name(target, 6), complete=False, files=("checkpoints",))
    recover(target, print)
    assert marker(target)["complete"] is True
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]


def test_an_incomplete_staging_folder_is_removed_and_a_lost_target_put_back(tmp_path):
    target = tmp_path / "run"
    old = a_run_folder(previous_name(target, 7), complete=False, files=("checkpoints",))
    staging = staging_name(target, 7)
    staging.mkdir()  # killed while writing: no marker yet
    (staging / "tf_model.h5").write_text("half")
    lines = []
    recover(target, lines.append)
    assert (target / "checkpoints").read_text() == old.name
    assert not staging.exists() and not old.exists()
    assert any("put back" in line for line in lines) and any("removed .run.staging-7" in line for line in lines)


HOLD_LOCK = """
import sys, time
from tfhf.publish.run_dir import output_lock
with output_lock(sys.argv[1], print):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_a_second_run_into_a_locked_output_dir_is_refused_naming_the_pid(tmp_path, tiny_recipe_file):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = run_cli("run", tiny_recipe_file, "--output-dir", out)
        assert result.exit_code == 2
        assert result.stderr == (
            f"tfhf: error: output directory {out} is in use by another tfhf run (PID {holder.pid}); "
            "wait for it to finish or choose another --output-dir\n"
        )
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    out = tmp_path / "run"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(out).write_text(f"{dead.pid}\n")
    lines = []
    with output_lock(out, lines.append):
        assert lock_path(out).read_text() == f"{os.getpid()}\n"
        busy = rf"in use by another tfhf run \(PID {os.getpid()}\)"
        with pytest.raises(TfhfError, match=busy), output_lock(out, print):
            pass
    assert lines == [f"took over the lock of {out} from PID {dead.pid}, which is no longer running"]
    assert not lock_path(out).exists()


def test_another_tasks_run_and_an_unreadable_marker_are_refused(tmp_path):
    classifier = a_run_folder(tmp_path / "classifier", task="text-classification")
    with pytest.raises(TfhfError, match="holds a 'text-classification' run, not 'translation'"):
        check_output_dir(classifier, "translation")
    garbled = tmp_path / "garbled"
    garbled.mkdir()
    (garbled / MARKER).write_text("[not a marker")
    with pytest.raises(TfhfError, match="holds no tfhf run"):
        check_output_dir(garbled, "translation")


def test_a_resume_refuses_data_that_changed_naming_the_split(tmp_path):
    recipe = {"task": "translation", "data": {"path": "pairs.jsonl"}}
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    (folder / "latest").write_text("ckpt-00000001\n")
    saved = {"recipe": recipe, "data": {"train": "aaa", "validation": "bbb"}, "scores": {}}
    (folder / "run.json").write_text(json.dumps(saved))
    with pytest.raises(TfhfError, match=r"other data: the train split\(s\) of data.path='pairs.jsonl' changed"):
        saved_run(tmp_path, recipe, {"train": "ccc", "validation": "bbb"}, restart=False, log=print)
    assert saved_run(tmp_path, recipe, saved["data"], restart=False, log=print) == saved
