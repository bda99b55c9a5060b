"""The course's setups at real size on this machine: a benchmark, not a test.

    python tools/course_size_bench.py [--hub DIR] [--steps 8] [--recipes translation_kde4,...]

Builds the full-size Hub stand-ins (tools/local_hub.py build DIR --full-size: the real
models' dimensions and vocabulary sizes, random weights) unless DIR already holds them,
serves them on 127.0.0.1, and runs each recipes/course/ setup for a fixed number of
training steps at its own batch size and lengths (preflight and the evaluation before
training off, 16 validation examples). Prints one Markdown table row per recipe:
parameters, step time, samples/s, peak RSS, checkpoint size and save time, XLA
compilation time, and for the generating tasks the time to generate the 16 validation
outputs once compiled (random weights often end an output early, so this is a floor).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "recipes" / "course"
EVAL_EXAMPLES = 16


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", default=str(ROOT / ".hub-full-size"), help="where the full-size stand-ins are kept")
    parser.add_argument("--steps", type=int, default=8, help="training steps per recipe")
    parser.add_argument("--recipes", default=",".join(sorted(p.stem for p in COURSE.glob("*.py"))))
    options = parser.parse_args(argv)
    hub = Path(options.hub)
    if not (hub / "models").is_dir():
        print(f"building the full-size stand-ins in {hub} ...", flush=True)
        subprocess.run([sys.executable, ROOT / "tools" / "local_hub.py", "build", hub, "--full-size"], check=True)
    server = subprocess.Popen(
        [sys.executable, ROOT / "tools" / "local_hub.py", "serve", hub], stdout=subprocess.PIPE, text=True
    )
    url = server.stdout.readline().split(" at ")[-1].strip()
    print("| recipe | model | parameters | batch | step (s) | samples/s | peak RSS (GB) | checkpoint (MB) | save (s) "
          "| XLA compile (s) | 16 outputs generated (s) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for name in options.recipes.split(","):
                print(measure(name, options.steps, url, Path(scratch)), flush=True)
    finally:
        server.terminate()


def measure(name, steps, url, scratch):
    out, rss_file = scratch / name, scratch / f"{name}.rss"
    env = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    env.update({"HF_ENDPOINT": url, "HF_HOME": str(scratch / "hf"), "HF_HUB_OFFLINE": "0"})
    batch = _recipe_batch_size(name)
    overrides = [f"data.max_train_samples={steps * batch}", f"data.max_eval_samples={EVAL_EXAMPLES}", "train.epochs=1",
                 "train.preflight=False", "eval.before_training=False", "eval.each_epoch=False", "eval.best_metric=None"]  # fmt: skip
    command = ["/usr/bin/time", "-o", rss_file, "-f", "%M", sys.executable, "-m", "tfhf.cli", "run",
               COURSE / f"{name}.py", "--output-dir", out, *(f"--set={o}" for o in overrides)]  # fmt: skip
    ran = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if ran.returncode != 0:
        return f"| {name} | failed: {(ran.stderr.strip().splitlines() or ['?'])[-1][:120]} |"
    metrics = json.loads((out / "metrics.json").read_text())
    recipe = json.loads((out / "recipe.json").read_text())
    parameters = re.search(r": ([\d,]+) parameters", ran.stdout)
    saves = [
        (float(mb), float(s)) for mb, s in re.findall(r"saved checkpoint \S+: ([\d.]+) MB in ([\d.]+) s", ran.stdout)
    ]
    after = metrics["after"]
    compile_seconds = after.get("xla_compile_seconds")
    generated = "" if compile_seconds is None else f"{after['eval_seconds'] - compile_seconds:.2f}"
    train = metrics["train"]
    return (
        f"| {name} | {recipe['model']['checkpoint'] or recipe['model']['config'].get('model_type')} "
        f"| {parameters.group(1) if parameters else '?'} | {batch} | {train['seconds'] / max(train['steps'], 1):.2f} "
        f"| {train['samples_per_second']} | {int(rss_file.read_text().split()[-1]) / 1e6:.2f} "
        f"| {saves[-1][0] if saves else ''} | {saves[-1][1] if saves else ''} "
        f"| {after.get('xla_compile_seconds', '')} | {generated} |"
    )


def _recipe_batch_size(name):
    text = (COURSE / f"{name}.py").read_text()
    return int(re.search(r"batch_size=(\d+)", text).group(1))


if __name__ == "__main__":
    sys.exit(main())
