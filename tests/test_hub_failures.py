"""Hub failures against the loopback Hub: each is one line on stderr, exit 2, no traceback, nothing written."""

import json
import shutil
import subprocess

import pytest

from tests.helpers import hub_environment, tfhf_process

pytestmark = pytest.mark.slow  # each case is a process of its own (HF_ENDPOINT is read at import)

RECIPE = "recipes/course/text_classification_emotion.py"
SHRUNK = ["data.max_train_samples=32", "data.max_eval_samples=8", "train.epochs=1", "train.batch_size=8"]
GOOD_TOKEN = "hf_goodTOKENabcdef0123456789"


def copy_of(folder, source, name, serving):
    """A copy of the stand-in model `source` as the repo `name`, served by the rules in `serving`."""
    repo = folder / "models" / name
    shutil.copytree(folder / "models" / source, repo, dirs_exist_ok=True)
    (repo / "serving.json").write_text(json.dumps(serving))
    return name


def failed_in_one_line(ran, out):
    assert ran.returncode == 2, (ran.stdout + ran.stderr)[-3000:]
    assert "Traceback" not in ran.stderr
    errors = [line for line in ran.stderr.splitlines() if line.startswith("tfhf: error:")]
    assert len(errors) == 1, ran.stderr[-3000:]
    assert not out.exists()
    return errors[0]


def run_emotion(tmp_path, env, *overrides):
    out = tmp_path / "run"
    sets = [f"--set={o}" for o in [*SHRUNK, *overrides]]
    return tfhf_process("run", RECIPE, "--output-dir", out, *sets, env=env), out


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.checkpoint=nobody/missing", "no tokenizer 'nobody/missing' on the Hub: check the id"),
        ("data.path=nobody/missing", "could not load dataset 'nobody/missing'"),
        ("data.name=nope", "BuilderConfig 'nope' not found. Available: ['emotion']"),
    ],
)
def test_an_unknown_repo_or_config(local_hub, tmp_path, override, message):
    ran, out = run_emotion(tmp_path, hub_environment(local_hub[0], tmp_path / "hf"), override)
    assert message in failed_in_one_line(ran, out)


@pytest.mark.parametrize(
    "token, message",
    [(None, "is gated on the Hub: ask for access on its page, then log in"), ("hf_otherTOKEN0123456789", "your token has no access")],
)  # fmt: skip
def test_a_gated_repo_without_a_token_that_has_access(local_hub, tmp_path, token, message):
    url, folder = local_hub
    name = copy_of(
        folder, "distilbert-base-uncased", f"gated/distilbert-{bool(token)}", {"gated": True, "tokens": [GOOD_TOKEN]}
    )
    extra = {"HF_TOKEN": token} if token else {}
    ran, out = run_emotion(tmp_path, hub_environment(url, tmp_path / "hf", **extra), f"model.checkpoint={name}")
    line = failed_in_one_line(ran, out)
    assert message in line and name in line
    assert "hf_other" not in ran.stdout + ran.stderr  # the token is never shown
    if token:  # with a token that has access, the same run goes through
        env = hub_environment(url, tmp_path / "hf", HF_TOKEN=GOOD_TOKEN)
        allowed, out = run_emotion(tmp_path, env, f"model.checkpoint={name}", "train.preflight=False", "eval.before_training=False")  # fmt: skip
        assert allowed.returncode == 0, (allowed.stdout + allowed.stderr)[-3000:]


def test_the_server_dying_mid_download(local_hub, tmp_path):
    url, folder = local_hub
    name = copy_of(folder, "distilbert-base-uncased", "flaky/distilbert", {"cut_after_bytes": 5000})
    ran, out = run_emotion(tmp_path, hub_environment(url, tmp_path / "hf"), f"model.checkpoint={name}")
    line = failed_in_one_line(ran, out)
    assert "the Hub stopped answering while tfhf downloaded the" in line and "'flaky/distilbert'" in line


def test_a_damaged_file_in_the_cache(local_hub, tmp_path):
    url, _ = local_hub
    cache = tmp_path / "hf"
    first, out = run_emotion(
        tmp_path, hub_environment(url, cache), "train.preflight=False", "eval.before_training=False"
    )
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    shutil.rmtree(out)
    [weights] = (cache / "hub" / "models--distilbert-base-uncased" / "snapshots").glob("*/model.safetensors")
    blob = weights.resolve()
    blob.write_bytes(blob.read_bytes()[:100])  # cut short, as a disk failing under it would leave it
    ran, out = run_emotion(tmp_path, hub_environment("http://127.0.0.1:9", cache, offline=True))
    line = failed_in_one_line(ran, out)
    assert "is damaged" in line and str(blob) in line


def test_no_space_left_in_the_cache(local_hub, tmp_path):
    small = tmp_path / "small-disk"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", small], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    try:
        ran, out = run_emotion(tmp_path, hub_environment(local_hub[0], small / "hf"))
        assert "no space left on the disk of the Hub cache" in failed_in_one_line(ran, out)
    finally:
        subprocess.run(["umount", small], check=False)


def test_a_loading_script_dataset_without_a_parquet_conversion(local_hub, tmp_path):
    url, folder = local_hub
    repo = folder / "datasets" / "script_only" / "main"
    repo.mkdir(parents=True)
    (repo / "script_only.py").write_text("import datasets\n")
    ran, out = run_emotion(tmp_path, hub_environment(url, tmp_path / "hf"), "data.path=script_only", "data.name=None")
    line = failed_in_one_line(ran, out)
    assert "'script_only' is a loading script" in line and "has no Parquet conversion of it" in line
