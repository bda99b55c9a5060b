"""Where an XLA-compiled evaluation's first batch per bucket spends its time: tracing, compiling, generating.

    python tools/xla_compile_bench.py RUN_DIR [--buckets 16,32,64] [--batch-size 64] [--max-new-tokens 32]

RUN_DIR is a trained run's output directory (a seq2seq or causal LM model). For each
bucket it builds the padded batch tfhf's metric loop would (tfhf.model.generation.XlaGenerator),
then times, in this order: tracing `generate` into a graph (Python), the first call
(XLA compiles, then generates), and a second call of the same batch (generating alone). The
compilation is the first call less the second. Run it with TFHF_XLA_CACHE unset: this tool
never turns XLA's persistent cache on, so every program is compiled.
"""

import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--buckets", default="16,32,64")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    args = parser.parse_args()

    import tensorflow as tf

    from tfhf.commands.predict import Predictor
    from tfhf.model.generation import XlaGenerator

    predictor = Predictor(args.run_dir)
    buckets = [int(value) for value in args.buckets.split(",")]
    generator = XlaGenerator(predictor.model, predictor.tokenizer, buckets, args.batch_size, args.max_new_tokens)
    rng = np.random.default_rng(0)
    vocabulary = len(predictor.tokenizer)
    print("| bucket (tokens) | tracing (s) | first call (s) | second call (s) | XLA compile = first - second (s) |")
    print("|---|---|---|---|---|")
    for bucket in buckets:
        rows = [list(rng.integers(3, vocabulary, size=bucket - 1)) + [predictor.tokenizer.eos_token_id]]
        _, input_ids, attention_mask = next(generator.batches(rows * args.batch_size))
        inputs = (tf.constant(input_ids), tf.constant(attention_mask))
        started = time.perf_counter()
        generator._generate.get_concrete_function(*inputs)
        traced = time.perf_counter() - started
        calls = []
        for _ in range(2):
            started = time.perf_counter()
            generator._generate(*inputs).numpy()
            calls.append(time.perf_counter() - started)
        print(f"| {bucket} | {traced:.2f} | {calls[0]:.2f} | {calls[1]:.2f} | {calls[0] - calls[1]:.2f} |")


if __name__ == "__main__":
    main()
