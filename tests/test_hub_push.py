"""Pushing to the Hub during training, against a loopback server: what arrives, what never leaks, what survives."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from tests.fake_hub import FakeHub
from tests.helpers import write_recipe

CANARY = "hf_canaryTOKEN1234567890abcdefXYZ"
EXPECTED_FILES = {"config.json", "tf_model.h5", "tokenizer.json", "tokenizer_config.json", "README.md"}


@pytest.fixture
def hub():
    server = FakeHub()
    yield server
    server.stop()


def start_run(tmp_path, pairs_file, hub_url, epochs):
    recipe = write_recipe(tmp_path, pairs_file, epochs=epochs)
    env = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    # HF_ENDPOINT is read when huggingface_hub is imported: hence a process of its own
    env.update({"HF_ENDPOINT": hub_url, "HF_TOKEN": CANARY, "HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf")})
    args = [sys.executable, "-m", "tfhf.cli", "run", str(recipe), "--output-dir", str(tmp_path / "out")]
    args += ["--set", "hub.repo_id='me/tiny-marian'", "--set", "eval.each_epoch=True"]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def files_containing(folder, secret):
    return [path for path in folder.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_each_epoch_and_the_end_are_pushed_and_the_token_appears_nowhere(tmp_path, pairs_file, hub):
    run = start_run(tmp_path, pairs_file, hub.url, epochs=2)
    stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr[-3000:]
    assert hub.created == ["me/tiny-marian"]
    summaries = [commit["summary"] for commit in hub.commits]
    assert summaries[-1] == "End of training"
    # An epoch's push is skipped, with a log line, while the previous one still uploads: each is one or the other.
    for epoch in ("Training in progress, epoch 1", "Training in progress, epoch 2"):
        skipped = f"hub: {epoch!r} not pushed: the previous push is still uploading" in stdout
        assert (epoch in summaries) != skipped, (epoch, summaries)
    assert summaries[0] == "Training in progress, epoch 1"  # nothing was uploading before it
    for commit in hub.commits:
        assert EXPECTED_FILES <= set(commit["files"]), commit["files"].keys()
        assert commit["repo"] == "me/tiny-marian"
    final = hub.commits[-1]["files"]
    assert json.loads(final["metrics.json"]) == json.loads((tmp_path / "out" / "metrics.json").read_text())
    # the token was used (it reached the server) and is nowhere else
    assert any(headers.get("authorization") == f"Bearer {CANARY}" for _, _, headers, _ in hub.requests)
    assert CANARY not in stdout and CANARY not in stderr
    assert files_containing(tmp_path, CANARY) == []
    assert not any(CANARY.encode() in body for _, _, _, body in hub.requests)


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_training_completes_when_the_hub_goes_away_mid_run(tmp_path, pairs_file, hub):
    run = start_run(tmp_path, pairs_file, hub.url, epochs=3)

    def stop_after_first_commit():
        while not hub.commits and run.poll() is None:
            time.sleep(0.05)
        hub.stop()

    watcher = threading.Thread(target=stop_after_first_commit)
    watcher.start()
    try:
        stdout, stderr = run.communicate(timeout=600)
    finally:
        run.kill()
        watcher.join()
    assert run.returncode == 0, stderr[-3000:]
    assert [commit["summary"] for commit in hub.commits] == ["Training in progress, epoch 1"]
    assert "failed" in stdout and "final push failed" in stdout
    assert (tmp_path / "out" / "metrics.json").exists()
    assert CANARY not in stdout + stderr


class RecordingPusher:
    def __init__(self):
        self.messages = []

    def push_in_background(self, folder, message, remove_after=False):
        self.messages.append((message, sorted(p.name for p in folder.iterdir())))
        shutil.rmtree(folder)
        return True


def test_every_steps_pushes_between_epoch_ends_too(tmp_path):
    from tfhf.publish.hub_push import HubPushCallback
    from tfhf.train.loop import Progress

    progress, pusher = Progress(), RecordingPusher()
    callback = HubPushCallback(pusher, lambda folder: (folder / "tf_model.h5").write_text("w"), progress, every_steps=2)
    for epoch in range(2):
        for batch in range(3):
            progress.global_step += 1  # as TrainingMonitor does, before this callback
            callback.on_train_batch_end(batch)
        callback.on_epoch_end(epoch)
    assert [message for message, _ in pusher.messages] == [
        "Training in progress, step 2",
        "Training in progress, epoch 1",
        "Training in progress, step 4",
        "Training in progress, step 6",  # the end of epoch 2 too: pushed once
    ]
    assert all(files == ["tf_model.h5"] for _, files in pusher.messages)  # each push is a fresh snapshot


def test_every_steps_pushes_once_when_one_call_steps_over_a_multiple(tmp_path):
    from tfhf.publish.hub_push import HubPushCallback
    from tfhf.train.loop import Progress

    progress, pusher = Progress(), RecordingPusher()
    callback = HubPushCallback(pusher, lambda folder: (folder / "tf_model.h5").write_text("w"), progress, every_steps=5)
    for step in (4, 8, 12, 16):  # 4 steps per execution (train.steps_per_execution=4)
        progress.global_step = step
        callback.on_train_batch_end(step - 1)
    assert [message for message, _ in pusher.messages] == [
        "Training in progress, step 8",  # step 5 was reached in the call that ended at 8
        "Training in progress, step 12",  # 10
        "Training in progress, step 16",  # 15
    ]


def finished_run(folder, repo_id="me/finished"):
    from tfhf.publish.run_dir import write_marker

    folder.mkdir()
    (folder / "recipe.json").write_text(json.dumps({"task": "translation", "hub": {"repo_id": repo_id}}))
    (folder / "config.json").write_text("{}")
    write_marker(folder, "translation", ["recipe.json", "config.json"], complete=True)
    return folder


def push_command(folder, hub_url, tmp_path, *args):
    env = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    env.update({"HF_ENDPOINT": hub_url, "HF_TOKEN": CANARY, "HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf")})
    command = [sys.executable, "-m", "tfhf.cli", "push", str(folder), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_tfhf_push_sends_a_finished_run_without_training_and_without_the_marker(tmp_path, hub):
    run_dir = finished_run(tmp_path / "run")
    result = push_command(run_dir, hub.url, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert [commit["summary"] for commit in hub.commits] == ["Upload of a finished run"]
    assert set(hub.commits[0]["files"]) == {"recipe.json", "config.json"}
    assert hub.commits[0]["repo"] == "me/finished"
    assert CANARY not in result.stdout + result.stderr

    other = push_command(run_dir, hub.url, tmp_path, "--repo-id", "me/elsewhere")
    assert other.returncode == 0 and hub.commits[-1]["repo"] == "me/elsewhere"


def test_tfhf_push_refuses_an_unfinished_run(tmp_path, hub):
    unfinished = tmp_path / "run"
    unfinished.mkdir()
    result = push_command(unfinished, hub.url, tmp_path)
    assert result.returncode == 2 and hub.commits == []
    assert (
        result.stderr
        == f"tfhf: error: {unfinished} is not a finished tfhf run (its .tfhf-run.json is missing or says it is incomplete)\n"
    )
