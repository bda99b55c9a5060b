"""The CPU's (or device's) matmul ceiling, which `tfhf bench` divides training FLOP/s by for utilisation."""

import os
import time

import tensorflow as tf


def matmul_peak(dtype, size=2048, trials=8):
    """The best FLOP/s of `size` x `size` matmuls in `dtype`: the ceiling for utilisation.

    Measured both as one matmul (threads inside the op) and as one independent matmul
    per core (threads across ops), since the runtime may favour either (tfhf.runtime.start).
    """
    cores = os.cpu_count() or 1
    return max(matmul_rate(size, size, size, dtype, side_by_side=count, trials=trials) for count in sorted({1, cores}))


def matmul_rate(rows, inner, columns, dtype=tf.float32, side_by_side=1, trials=8):
    """The best FLOP/s of (rows x inner) by (inner x columns) matmuls in `dtype`, `side_by_side` independent ones
    per call, over `trials` calls."""
    a = tf.random.normal((rows, inner), dtype=dtype)
    b = tf.random.normal((inner, columns), dtype=dtype)

    @tf.function
    def multiply():
        return tf.add_n([tf.reduce_sum(tf.matmul(a + i, b)) for i in range(side_by_side)])

    multiply().numpy()
    best = 0.0
    for _ in range(trials):
        started = time.perf_counter()
        multiply().numpy()
        best = max(best, side_by_side * 2 * rows * inner * columns / (time.perf_counter() - started))
    return best
