"""A user's file anywhere inside a folder tfhf writes into is never deleted, changed or sent.

The rule (tfhf.publish.run_dir): tfhf removes only what its marker records it wrote, at every
depth, and the files of checkpoints/ its store names; anything else makes the command stop
with one line naming the file, before it writes anything. Each case checks the exit code,
the one line, and that every file present before is present after, byte for byte.
"""

import json
import os
import shutil
import socket
from pathlib import Path

import pytest

from tests.helpers import hub_environment, invoke, sample_pairs, tfhf_process, write_recipe
from tfhf.publish.run_dir import CHECKPOINTS, claim, foreign_entries, marker, tree, write_marker

NOTE = b"my own notes, not tfhf's"


def snapshot(folder):
    """{relative path: bytes} of every file below `folder`."""
    return {path: (Path(folder) / path).read_bytes() for path in tree(folder) if (Path(folder) / path).is_file()}


def assert_refused_and_kept(result, folder, before, named):
    assert result.exit_code == 2, result.output[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and named in lines[0] and "did not write" in lines[0], result.stderr
    assert snapshot(folder) == before


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A finished tiny translation run, exported as a SavedModel (copied per test: tests add files to it)."""
    folder = tmp_path_factory.mktemp("finished")
    pairs = folder / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in sample_pairs(200)))
    recipe = write_recipe(folder, pairs)
    out = folder / "run"
    result = invoke("run", recipe, "--output-dir", out, "--set", "train.epochs=1")
    assert result.exit_code == 0, result.output[-3000:]
    assert invoke("export", out, "--format", "saved_model").exit_code == 0
    return recipe, out


@pytest.fixture
def run_copy(finished_run, tmp_path):
    recipe, out = finished_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy, symlinks=True)
    return recipe, copy


def test_the_marker_lists_every_file_at_every_depth_including_the_export(run_copy):
    _, out = run_copy
    listed = set(marker(out)["files"])
    assert listed == set(tree(out)) - {".tfhf-run.json"}
    assert any(entry.startswith("logs/train/events.out.tfevents.") for entry in listed)
    assert "export/saved_model/saved_model.pb" in listed
    assert foreign_entries(out) == []


@pytest.mark.slow  # reruns refused before training, but each starts tfhf's imports and data: 15 s or more in all
@pytest.mark.parametrize(
    "user_file", ["notes.txt", "logs/notes.txt", "logs/train/notes.txt", "export/notes.txt", "export/saved_model/n"]
)
def test_a_rerun_and_a_restart_refuse_a_users_file_at_any_depth(run_copy, user_file):
    recipe, out = run_copy
    (out / user_file).write_bytes(NOTE)
    before = snapshot(out)
    for extra in ((), ("--restart",)):
        assert_refused_and_kept(invoke("run", recipe, "--output-dir", out, *extra), out, before, user_file)


@pytest.mark.parametrize("user_file", ["export/notes.txt", "export/saved_model/notes.txt", "logs/validation/x.csv"])
def test_an_export_refuses_a_users_file_at_any_depth(run_copy, user_file):
    _, out = run_copy
    (out / user_file).parent.mkdir(parents=True, exist_ok=True)
    (out / user_file).write_bytes(NOTE)
    before = snapshot(out)
    assert_refused_and_kept(invoke("export", out, "--format", "saved_model"), out, before, user_file)


def test_an_export_into_a_clean_run_replaces_its_own_earlier_export(run_copy):
    _, out = run_copy
    result = invoke("export", out, "--format", "saved_model")
    assert result.exit_code == 0, result.output[-2000:]
    assert foreign_entries(out) == [] and (out / "export/saved_model/saved_model.pb").is_file()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("user_file", ["logs/notes.txt", "export/saved_model/variables/notes.txt"])
def test_a_push_refuses_to_send_a_users_file(run_copy, user_file, tmp_path):
    _, out = run_copy
    (out / user_file).write_bytes(NOTE)
    before = snapshot(out)
    env = hub_environment(f"http://127.0.0.1:{closed_port()}", tmp_path / "cache", HF_TOKEN="hf_test")
    result = tfhf_process("push", out, "--repo-id", "user/model", env=env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert user_file in result.stderr and "did not write" in result.stderr
    assert snapshot(out) == before


def test_a_failed_standalone_push_is_one_line_on_stderr_without_a_promise_of_a_retry(run_copy, tmp_path):
    _, out = run_copy
    before = snapshot(out)
    env = hub_environment(f"http://127.0.0.1:{closed_port()}", tmp_path / "cache", HF_TOKEN="hf_test")
    result = tfhf_process("push", out, "--repo-id", "user/model", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"tfhf: error: pushing {out} to user/model failed ("), lines
    assert "next save" not in result.stdout + result.stderr
    assert snapshot(out) == before


def in_progress(out):
    """`out` as a run in progress leaves it: marked incomplete, with checkpoints/ as the store writes it."""
    claim(out, "translation")
    checkpoints = out / CHECKPOINTS
    for name in ("ckpt-00000004/variables.index", "ckpt-00000004/state.json", "tokenizer/tokenizer.json",
                 "logs/train/events.out.tfevents.1.host.2.v2", "run.json", "latest"):  # fmt: skip
        (checkpoints / name).parent.mkdir(parents=True, exist_ok=True)
        (checkpoints / name).write_text("{}")
    return out


@pytest.mark.parametrize(
    ("user_file", "foreign"),
    [("checkpoints/notes.txt", True), ("checkpoints/logs/train/mine.csv", True), ("checkpoints/ckpt-7/a", True),
     ("checkpoints/ckpt-00000004/variables.data-00000-of-00001", False)],
)  # fmt: skip
def test_the_checkpoints_of_a_run_in_progress_hold_only_what_the_store_names(run_copy, user_file, foreign):
    _, out = run_copy
    in_progress(out)
    assert foreign_entries(out) == []
    (out / user_file).parent.mkdir(parents=True, exist_ok=True)
    (out / user_file).write_bytes(NOTE)
    assert foreign_entries(out) == ([user_file] if foreign else [])


def test_a_restart_of_a_run_in_progress_refuses_a_users_file_in_its_checkpoints(run_copy):
    recipe, out = run_copy
    in_progress(out)
    (out / "checkpoints/logs/train/mine.csv").write_bytes(NOTE)
    before = snapshot(out)
    result = invoke("run", recipe, "--output-dir", out, "--restart")
    assert_refused_and_kept(result, out, before, "checkpoints/logs/train/mine.csv")


def test_a_marker_of_an_older_tfhf_that_listed_only_the_top_level_keeps_the_files_below(tmp_path):
    out = tmp_path / "old"
    (out / "logs").mkdir(parents=True)
    (out / "logs" / "events").write_bytes(NOTE)
    write_marker(out, "translation", ["logs"], complete=True)
    assert foreign_entries(out) == ["logs/events"]  # unrecorded: refused, never removed


def test_every_file_a_run_writes_is_readable_like_the_others(run_copy):
    _, out = run_copy
    umask = os.umask(0)
    os.umask(umask)
    modes = {path: (out / path).stat().st_mode & 0o777 for path in tree(out) if (out / path).is_file()}
    assert "model.safetensors" in modes
    assert {path for path, mode in modes.items() if mode != 0o666 & ~umask} == set()
