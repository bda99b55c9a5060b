"""One XLA-compiled `generate`, shared by every generating task's metric loop.

XLA compiles a function once per distinct input shape (docs/stack.md). So inputs are
padded up to a small, fixed set of lengths (buckets), every batch has the same number of
rows (the last one is topped up with padding rows whose outputs are dropped), and the
generation options are fixed per generator. An evaluation then compiles at most once
per bucket, however many batches it runs, and the compiled functions are reused by
later evaluations of the same run.
"""

import bisect
import contextlib
import functools
import sys
import time

import numpy as np
import tensorflow as tf
from tqdm import tqdm
from transformers.generation.tf_logits_process import TFLogitsProcessorList

from tfhf.errors import TfhfError
from tfhf.runtime.start import random_generators


def bucket_lengths(requested, max_length):
    """Sorted bucket lengths, capped at `max_length` and always including it, so every input fits."""
    return sorted({min(length, max_length) for length in requested} | {max_length})


@contextlib.contextmanager
def logits_processors_through_autograph(model):
    """While tracing `model.generate`, runs its logits processors through AutoGraph, and only them.

    Some processors branch on the step number, a tensor inside the compiled loop (forced
    end of sequence: `if cur_len == max_length - 1`). Converting these few lines instead of
    all of `generate` gives the same outputs and compiles several times faster
    (docs/performance.md). The hooks are transformers' TF generation internals (frozen at
    4.57: later versions have no TensorFlow) and are restored when tracing ends.
    """
    hooks = [name for name in ("_get_logits_processor", "_get_logits_warper") if hasattr(model, name)]
    on_instance = {name: model.__dict__[name] for name in hooks if name in model.__dict__}

    def converted(build_list):
        return lambda *args, **kwargs: AutographProcessorList(build_list(*args, **kwargs))

    for name in hooks:
        setattr(model, name, converted(getattr(model, name)))
    try:
        yield
    finally:
        for name in hooks:
            if name in on_instance:
                setattr(model, name, on_instance[name])
            else:
                delattr(model, name)  # the class's method shows again


class AutographProcessorList(TFLogitsProcessorList):
    """transformers' list of logits processors, called through AutoGraph (a branch on a tensor becomes tf.cond)."""

    def __call__(self, input_ids, scores, cur_len, **kwargs):
        return converted_list_call()(self, input_ids, scores, cur_len, **kwargs)


@functools.cache
def converted_list_call():
    return tf.autograph.to_graph(TFLogitsProcessorList.__call__)


def xla_banned_tokens(generation_config):
    """Generation options that ban the config's `bad_words_ids` in a way XLA can compile.

    Hub Marian models ban their pad token this way (opus-mt: bad_words_ids=[[59513]]), and
    TensorFlow's bad-words processor uses ragged tensors, which XLA has no kernels for. A
    ban of single tokens is the same as suppressing them, which compiles.
    """
    banned = generation_config.bad_words_ids
    if not banned:
        return {}
    if any(len(words) != 1 for words in banned):
        raise TfhfError(
            "the model's generation_config.bad_words_ids bans sequences of several tokens, which XLA-compiled "
            "generation cannot do; remove them from the checkpoint's generation_config.json"
        )
    suppressed = sorted({*(generation_config.suppress_tokens or ()), *(words[0] for words in banned)})
    return {"bad_words_ids": None, "suppress_tokens": suppressed}


class XlaGenerator:
    """Generates text for batches of token ids with one `tf.function(jit_compile=True)`.

    generator = XlaGenerator(model, tokenizer, buckets=[16, 32], batch_size=64, max_new_tokens=64)
    texts = generator.generate(list_of_input_id_lists)
    generator.compilations  # how many XLA programs were built so far
    """

    def __init__(self, model, tokenizer, buckets, batch_size, max_new_tokens, num_beams=1):
        self.tokenizer = tokenizer
        # A decoder-only model continues its input: pad on the left so every prompt ends where
        # generation starts, and keep only the new tokens.
        self.decoder_only = not model.config.is_encoder_decoder
        self.buckets = sorted(buckets)
        self.batch_size = batch_size
        self.pad_id = tokenizer.pad_token_id
        self.compile_seconds = 0.0
        self.options = {"max_new_tokens": max_new_tokens, "num_beams": num_beams, "do_sample": False}
        self.options.update(xla_banned_tokens(model.generation_config))
        random_generators(model)  # created now: a variable made inside the compiled function would retrace it

        def generate(input_ids, attention_mask):
            with logits_processors_through_autograph(model):
                return model.generate(input_ids=input_ids, attention_mask=attention_mask, **self.options)

        self._python_generate = generate
        # Traced without AutoGraph: converting transformers' `generate` source took most of each
        # compilation. With every shape static, its Python branches are on Python values, except
        # in the logits processors (above). A branch on a tensor elsewhere stops the trace with an
        # error (it cannot change the result silently), and then AutoGraph converts everything.
        self.autograph = False
        self._generate = tf.function(generate, jit_compile=True, autograph=False)
        self._compilations_before_autograph = 0
        self._shapes_seen = set()

    @property
    def compilations(self):
        """Number of distinct programs traced (and so XLA-compiled) so far."""
        return self._compilations_before_autograph + self._generate.experimental_get_tracing_count()

    def generate(self, sequences, description="generating"):
        """Decoded outputs (special tokens removed, stripped), in the order of `sequences`.

        A progress bar (on stderr, only on a terminal) counts the examples generated.
        """
        outputs = [None] * len(sequences)
        with tqdm(total=len(sequences), desc=description, unit="ex", disable=not sys.stderr.isatty()) as bar:
            for indices, input_ids, attention_mask in self.batches(sequences):
                generated = self.run_batch(input_ids, attention_mask)[: len(indices)]
                if self.decoder_only:
                    generated = generated[:, input_ids.shape[1] :]
                texts = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
                for index, text in zip(indices, texts):
                    outputs[index] = text.strip()
                bar.update(len(indices))
        return outputs

    def batches(self, sequences):
        """(indices into `sequences`, input_ids, attention_mask) per batch: by bucket, shortest bucket first."""
        by_bucket = {}
        for index, ids in enumerate(sequences):
            by_bucket.setdefault(self._bucket_for(len(ids)), []).append(index)
        for bucket, indices in sorted(by_bucket.items()):
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start : start + self.batch_size]
                yield (chunk, *self._pad([sequences[i] for i in chunk], bucket))

    def _bucket_for(self, length):
        position = bisect.bisect_left(self.buckets, length)
        if position == len(self.buckets):
            raise ValueError(f"input of {length} tokens is longer than the largest bucket {self.buckets[-1]}")
        return self.buckets[position]

    def _pad(self, rows, length):
        """A full batch of `length` columns; missing rows repeat the last real one (their outputs are dropped)."""
        rows = rows + [rows[-1]] * (self.batch_size - len(rows))
        input_ids = np.full((self.batch_size, length), self.pad_id, dtype=np.int32)
        attention_mask = np.zeros((self.batch_size, length), dtype=np.int32)
        for row, ids in enumerate(rows):
            columns = slice(length - len(ids), length) if self.decoder_only else slice(0, len(ids))
            input_ids[row, columns] = ids
            attention_mask[row, columns] = 1
        return input_ids, attention_mask

    def run_batch(self, input_ids, attention_mask):
        """Generated ids for one padded batch (compiling first if its shape is new)."""
        compilations = self.compilations
        if input_ids.shape not in self._shapes_seen:  # the wait that follows is silent otherwise
            self._shapes_seen.add(input_ids.shape)
            rows, length = input_ids.shape
            print(f"compiling generate with XLA for {rows} x {length}-token inputs (once per bucket)",
                  file=sys.stderr, flush=True)  # fmt: skip
        started = time.perf_counter()
        inputs = (tf.constant(input_ids), tf.constant(attention_mask))
        try:
            generated = self._generate(*inputs).numpy()
        except tf.errors.OperatorNotAllowedInGraphError:
            if self.autograph:
                raise
            self.autograph = True  # this model's generate branches on a tensor: let AutoGraph convert it
            self._compilations_before_autograph = compilations
            self._generate = tf.function(self._python_generate, jit_compile=True)
            generated = self._generate(*inputs).numpy()
        if self.compilations > compilations:
            self.compile_seconds += time.perf_counter() - started
        return generated
