"""Memory of data.streaming on a corpus larger than it should ever hold: a 2 GB JSON-lines file.

    python tools/streaming_bench.py --gigabytes 2 --train-steps 300 --scratch /tmp/tfhf-stream

1. Writes a corpus of GIGABYTES of text rows (the Python standard library's modules, cut
   into 1-4 KB rows and numbered, so no two rows are equal), unless it is there already.
2. runs `tfhf run` of a small GPT-2 on it with data.streaming=True for TRAIN_STEPS steps, then
3. streams it through the causal-LM preprocessing a streamed run uses (read, shuffled in
   a buffer, tokenized with that run's tokenizer, cut into 128-token blocks), in a process
   of its own, end to end or for PASS_SECONDS, whichever comes first.

For each process it samples, every second, the resident memory (VmRSS) and the bytes
read (rchar, /proc/PID/io), and reports the peak and the memory at each quarter of the
run: flat memory while gigabytes go by is what streaming promises. Prints one JSON object.
"""

import argparse
import json
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK_SIZE = 128
MODEL = {"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": BLOCK_SIZE}


def write_corpus(path, gigabytes):
    """Rows of 1-4 KB of the standard library's source, numbered, until the file holds `gigabytes`."""
    target = int(gigabytes * 1024**3)
    if path.exists() and path.stat().st_size >= target:
        return
    sources = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    texts = [source.read_text(encoding="utf-8", errors="replace") for source in sources]
    written, row = 0, 0
    with path.open("w", encoding="utf-8") as f:
        while written < target:
            for text in texts:
                for start in range(0, len(text), 3000):
                    line = json.dumps({"text": f"# row {row}\n{text[start : start + 1000 + row % 3000]}"}) + "\n"
                    f.write(line)
                    written += len(line)
                    row += 1
                    if written >= target:
                        return


def sampled(command, env=None):
    """Runs `command`, sampling its memory and bytes read each second; returns (seconds, samples, output)."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    samples = []
    while process.poll() is None:
        sample = read_proc(process.pid)
        if sample:
            samples.append({"seconds": round(time.monotonic() - started, 1), **sample})
        time.sleep(1)
    output = process.stdout.read()
    if process.returncode:
        raise SystemExit(f"{command[:3]} failed:\n{output[-3000:]}")
    return round(time.monotonic() - started, 1), samples, output


def read_proc(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        io = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    read_bytes = int(next(line.split()[1] for line in io.splitlines() if line.startswith("rchar")))
    return {"rss_mb": int(fields["VmRSS"].split()[0]) // 1024, "read_mb": read_bytes // 1024**2}


def summary(seconds, samples):
    """The peak memory, and memory and bytes read at each quarter of the run."""
    quarters = [samples[min(len(samples) - 1, int(len(samples) * q))] for q in (0.25, 0.5, 0.75)] + samples[-1:]
    return {
        "seconds": seconds,
        "peak_rss_mb": max(s["rss_mb"] for s in samples),
        "read_mb_total": samples[-1]["read_mb"],
        "at_quarters": quarters,
    }


def stream_once(corpus, vocab_rows_tokenizer, seconds):
    """In a process of its own: the corpus's blocks through the streamed preprocessing for `seconds`, counted."""
    sys.path.insert(0, str(ROOT))
    from transformers import AutoTokenizer

    from tfhf.data import streaming
    from tfhf.recipe import TextData
    from tfhf.tasks import TASKS

    data = TextData(path=str(corpus), streaming=True, block_size=BLOCK_SIZE)
    raw = streaming.load_stream(data, log=lambda line: None)
    tokenizer = AutoTokenizer.from_pretrained(vocab_rows_tokenizer)
    task = TASKS["text-generation"]
    blocks = task.preprocess(raw["train"].shuffle(seed=42, buffer_size=streaming.SHUFFLE_BUFFER_ROWS), tokenizer, data)
    deadline, count = time.monotonic() + seconds, 0
    for _ in blocks:
        count += 1
        if time.monotonic() > deadline:
            break
    print(json.dumps({"blocks": count, "tokens": count * BLOCK_SIZE, "whole_corpus": time.monotonic() <= deadline}))


def recipe_file(folder, corpus, steps):
    path = folder / "streaming_bench_recipe.py"
    path.write_text(textwrap.dedent(f"""
        from tfhf.recipe import Eval, Model, Recipe, TextData, Train
        recipe = Recipe(
            task="text-generation",
            model=Model(config={MODEL!r}, tokenizer_vocab_size=4000),
            data=TextData(path={str(corpus)!r}, streaming=True, block_size={BLOCK_SIZE}, max_eval_samples=200),
            train=Train(max_steps={steps}, batch_size=32, learning_rate=1e-3, warmup_ratio=0.05, checkpoint_every=100),
            eval=Eval(batch_size=32),
        )
    """))  # fmt: skip
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--train-steps", type=int, default=300)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/tfhf-streaming-bench"))
    parser.add_argument("--pass-seconds", type=float, default=600, help="Stop the preprocessing pass after this long.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return stream_once(Path(args.child[0]), args.child[1], float(args.child[2]))

    args.scratch.mkdir(parents=True, exist_ok=True)
    corpus = args.scratch / "corpus.jsonl"
    started = time.monotonic()
    write_corpus(corpus, args.gigabytes)
    corpus_mb = corpus.stat().st_size // 1024**2
    print(f"corpus: {corpus} ({corpus_mb} MB, {time.monotonic() - started:.0f} s to write)", file=sys.stderr)

    recipe = recipe_file(args.scratch, corpus, args.train_steps)
    out = args.scratch / "run"
    command = [sys.executable, "-m", "tfhf.cli", "run", str(recipe), "--output-dir", str(out), "--restart"]
    train_seconds, train_samples, _ = sampled(command)
    metrics = json.loads((out / "metrics.json").read_text())
    print(f"training run: {train_seconds} s", file=sys.stderr)

    tokenizer = out  # the run saved the tokenizer it trained on the stream's first rows
    child = [sys.executable, __file__, "--child", str(corpus), str(tokenizer), str(args.pass_seconds)]
    stream_seconds, stream_samples, output = sampled(child)
    counted = json.loads(output.strip().splitlines()[-1])
    print(json.dumps({
        "corpus_mb": corpus_mb,
        "one_pass_through_the_preprocessing": {**summary(stream_seconds, stream_samples), **counted,
                                               "read_mb_per_second": round(stream_samples[-1]["read_mb"] / stream_seconds, 1)},
        "training_run": {**summary(train_seconds, train_samples), "steps": metrics["train"]["steps"],
                         "samples_per_second": metrics["train"]["samples_per_second"],
                         "perplexity": [metrics["before"]["perplexity"], metrics["after"]["perplexity"]]},
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
