"""Scaling out on this machine's CPU: mirrored over 2 logical CPUs, 2 workers on 127.0.0.1, tpu refused.

Each run is a separate `tfhf` process: logical devices and MultiWorkerMirroredStrategy can
only be configured before TensorFlow starts, and the test process has started it.
"""

import json
import os
import re
import socket
import subprocess
import sys

import pytest

from tests.helpers import TINY_MARIAN, write_recipe
from tfhf.errors import TfhfError
from tfhf.recipe import Runtime, Train
from tfhf.runtime import distribution

NO_DROPOUT = repr({**TINY_MARIAN, "dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0})
# Replicas sum their gradients in another order than one device does: float32 rounding only.
LOSS_TOLERANCE = 1e-4


def tfhf_process(recipe, out, *settings, env=None, wait=True):
    args = [sys.executable, "-m", "tfhf.cli", "run", str(recipe), "--output-dir", str(out)]
    for setting in settings:
        args += ["--set", setting]
    environment = {
        key: value for key, value in os.environ.items() if key not in ("TF_CONFIG", "COLAB_TPU_ADDR", "TPU_NAME")
    }
    environment.update({"HF_HUB_OFFLINE": "1", **(env or {})})
    if wait:
        return subprocess.run(args, check=False, env=environment, capture_output=True, text=True, timeout=600)
    return subprocess.Popen(args, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def recipe(tmp_path, pairs_file):
    return write_recipe(tmp_path, pairs_file, epochs=2)


def epoch_losses(out):
    return json.loads((out / "metrics.json").read_text())["train"]["loss"]


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_mirrored_on_two_logical_cpus_with_or_without_accumulation_trains_like_one_device_with_the_same_global_batch(
    tmp_path, recipe
):
    # With length buckets (source and target lengths paired): each replica takes its share of a bucketed batch.
    common = [f"model.config={NO_DROPOUT}", "eval.before_training=False", "train.length_buckets=4"]
    # The three processes run side by side: most of each is start-up, one core's work.
    single = tfhf_process(
        recipe, tmp_path / "single", *common, "runtime.strategy=default", "train.batch_size=16", wait=False
    )
    mirrored = tfhf_process(
        recipe, tmp_path / "mirrored", *common,
        "runtime.strategy=mirrored", "runtime.cpu_devices=2", "train.batch_size=8", wait=False,
    )  # fmt: skip
    # Two replicas, each summing two micro-batches of 4 (tfhf.train.train_step): the same 16 examples a step.
    accumulated = tfhf_process(
        recipe, tmp_path / "accumulated", *common,
        "runtime.strategy=mirrored", "runtime.cpu_devices=2", "train.batch_size=4", "train.gradient_accumulation_steps=2",
        wait=False,
    )  # fmt: skip
    outputs = {}
    for name, process in (("single", single), ("mirrored", mirrored), ("accumulated", accumulated)):
        outputs[name] = process.communicate(timeout=600)[0]
        assert process.returncode == 0, outputs[name]
    assert "mirrored strategy, 2 replica(s)" in outputs["mirrored"]
    assert "length buckets: input lengths" in outputs["mirrored"]
    single_losses, mirrored_losses = epoch_losses(tmp_path / "single"), epoch_losses(tmp_path / "mirrored")
    assert len(single_losses) == 2
    assert mirrored_losses == pytest.approx(single_losses, rel=LOSS_TOLERANCE)
    assert epoch_losses(tmp_path / "accumulated") == pytest.approx(single_losses, rel=LOSS_TOLERANCE)
    steps = [
        json.loads((tmp_path / name / "metrics.json").read_text())["train"]["steps"]
        for name in ("single", "accumulated")
    ]
    assert steps[0] == steps[1]  # optimizer steps of 16 examples each
    assert single_losses[1] < single_losses[0]  # it trained


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(recipe, out):
    """(return codes, logs) of two multiworker processes on fresh ports, the chief first."""
    hosts = [f"127.0.0.1:{port}" for port in free_ports(2)]
    workers = []
    try:
        for index in range(2):
            tf_config = json.dumps({"cluster": {"worker": hosts}, "task": {"type": "worker", "index": index}})
            workers.append(
                tfhf_process(
                    recipe,
                    out,
                    "runtime.strategy=multiworker",
                    "train.batch_size=8",
                    env={"TF_CONFIG": tf_config},
                    wait=False,
                )
            )
        logs = [worker.communicate(timeout=600)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    return [worker.returncode for worker in workers], logs


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_two_workers_train_together_and_only_the_chief_writes(tmp_path, recipe):
    out = tmp_path / "runs" / "together"
    # The ports are free when chosen, but another process may take one before a worker binds it: then try
    # again on others (and only then).
    for _ in range(3):
        codes, logs = run_two_workers(recipe, out)
        if not any("already in use" in log or "Failed to add port" in log for log in logs):
            break
    assert codes == [0, 0], logs[-1][-3000:]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["together"]  # the worker's scratch is gone
    assert (out / "metrics.json").exists() and (out / "tf_model.h5").exists()
    assert "multiworker strategy, 2 replica(s) on 2 workers (this is worker 1)" in logs[1]
    assert "is not the chief" in logs[1] and "is not the chief" not in logs[0]
    steps = [re.findall(r"== Training: 2 epoch\(s\) of (\d+) steps", log) for log in logs]
    assert steps[0] == steps[1] and len(steps[0]) == 1
    # pairs_file has 120 pairs; the training split's share, in steps of 2 workers x 8
    assert int(steps[0][0]) == json.loads((out / "metrics.json").read_text())["train"]["steps"] // 2


def one_line_error(result):
    """The error line of a failed subprocess run (TensorFlow's and tqdm's own stderr lines may come before it)."""
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    ours = [line for line in result.stderr.splitlines() if line.startswith("tfhf")]
    assert len(ours) == 1 and ours[0].startswith("tfhf: error: ") and result.stderr.endswith(ours[0] + "\n")
    assert "Traceback" not in result.stdout + result.stderr
    return ours[0]


def test_tpu_without_a_tpu_fails_fast(tmp_path, recipe):
    error = one_line_error(tfhf_process(recipe, tmp_path / "out", "runtime.strategy=tpu"))
    assert "runtime.strategy=tpu" in error and "no TPU" in error
    assert not (tmp_path / "out").exists()


def test_multiworker_without_tf_config_is_refused(tmp_path, recipe):
    error = one_line_error(tfhf_process(recipe, tmp_path / "out", "runtime.strategy=multiworker"))
    assert "TF_CONFIG" in error


@pytest.mark.parametrize(
    "settings, expected",
    [
        (["train.global_batch_size=15"], "train.global_batch_size=15 cannot be split evenly between 2 replicas"),
        (
            ["train.batch_size=100"],
            "fewer than one step's 200 examples over all replicas (train.batch_size=100 is per replica)",
        ),
    ],
)
def test_bad_batch_sizes_are_refused_before_the_strategy_starts(tmp_path, recipe, settings, expected):
    result = tfhf_process(recipe, tmp_path / "out", "runtime.strategy=mirrored", "runtime.cpu_devices=2", *settings)
    assert expected in one_line_error(result)
    assert "== Runtime" not in result.stdout


@pytest.mark.parametrize(
    "tf_config, workers, index, chief",
    [
        ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}, 2, 0, True),
        ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}, 2, 1, False),
        ({"cluster": {"chief": ["c:1"], "worker": ["a:1", "b:1"]}, "task": {"type": "chief", "index": 0}}, 3, 0, True),
        (
            {"cluster": {"chief": ["c:1"], "worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}},
            3,
            1,
            False,
        ),
    ],
)
def test_the_plan_reads_workers_and_the_chief_from_tf_config(monkeypatch, tf_config, workers, index, chief):
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    planned = distribution.plan(Runtime(strategy="multiworker", cpu_devices=2))
    assert (planned.workers, planned.worker_index, planned.is_chief) == (workers, index, chief)
    assert planned.replicas == 2 * workers


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"cluster": {"worker": ["a:1"]}}',
        '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}',
    ],
)
def test_a_broken_tf_config_is_named(monkeypatch, raw):
    monkeypatch.setenv("TF_CONFIG", raw)
    with pytest.raises(TfhfError, match="TF_CONFIG is not a valid cluster description"):
        distribution.plan(Runtime(strategy="multiworker", cpu_devices=2))


def test_the_global_batch_is_per_replica_batches_or_an_even_split():
    planned = distribution.Plan("mirrored", 4)
    assert planned.global_batch(Train(batch_size=8)) == 32
    assert planned.global_batch(Train(batch_size=8, global_batch_size=12)) == 12
    with pytest.raises(TfhfError, match="global_batch_size=10 cannot be split evenly between 4 replicas"):
        planned.global_batch(Train(global_batch_size=10))
