"""A transformers pipeline's model calls, made for many texts at once.

transformers' TensorFlow pipelines ignore `batch_size`: a list of texts runs one eager
forward pass per text (`Pipeline.run_multi`; only PyTorch batches), which made `tfhf
predict` over 10,000 texts take minutes. Here the pipeline still does its own
preprocessing (tokenizing, windows) and postprocessing (scores, label names, grouped
entities), so the answers stay the pipeline's. Only the forward passes change: the
preprocessed rows are sorted by length, padded into batches and run through the model
(one compiled function when there are many batches), and each row's logits, cut back to
its own length, go to `postprocess` as if the pipeline had computed them alone.

Used by the tasks whose pipeline `_forward` is just the model's logits (text and token
classification).
"""

import numpy as np

# Tracing the model into one graph costs a few seconds (3.7 s for MiniLM); each eager batch costs about 0.2 s
# of Python dispatch more than a compiled one: below this many batches, eager calls are faster overall.
COMPILE_FROM_BATCHES = 16


def run_in_batches(pipe, inputs, batch_size, **options):
    """`pipe(inputs, **options)`, with the model called on `batch_size` rows at a time."""
    from transformers.pipelines.base import ChunkPipeline

    preprocess_options, _, postprocess_options = pipe._sanitize_parameters(**options)
    preprocess_options = {**pipe._preprocess_params, **preprocess_options}
    postprocess_options = {**pipe._postprocess_params, **postprocess_options}
    chunked = isinstance(pipe, ChunkPipeline)
    rows, owners = [], []  # every preprocessed row, and the index of the input it came from
    for index, item in enumerate(inputs):
        produced = pipe.preprocess(item, **preprocess_options)
        for row in produced if chunked else [produced]:
            rows.append(row)
            owners.append(index)
    logits = batched_logits(pipe.model, pipe.tokenizer, rows, batch_size)
    answers = [[] for _ in inputs]
    for row, row_logits, owner in zip(rows, logits, owners):
        answers[owner].append({**row, "logits": row_logits})
    return [pipe.postprocess(outputs if chunked else outputs[0], **postprocess_options) for outputs in answers]


def batched_logits(model, tokenizer, rows, batch_size):
    """Each row's logits, [1, ...] as the pipeline's own forward gives them, computed in padded batches."""
    import tensorflow as tf

    keys = [key for key in tokenizer.model_input_names if key in rows[0]]
    lengths = [int(row["input_ids"].shape[-1]) for row in rows]

    def forward(batch):
        return model(batch, training=False).logits

    if len(rows) >= COMPILE_FROM_BATCHES * batch_size:
        forward = tf.function(forward, input_signature=[{key: tf.TensorSpec([None, None], tf.int32) for key in keys}])
    logits = [None] * len(rows)
    order = np.argsort(lengths, kind="stable")  # similar lengths share a batch: less padding
    for start in range(0, len(order), batch_size):
        members = order[start : start + batch_size]
        width = max(lengths[member] for member in members)
        batch = {key: padded([rows[m][key] for m in members], width, pad_value(key, tokenizer)) for key in keys}
        computed = forward(batch)
        for position, member in enumerate(members):
            row_logits = computed[position : position + 1]
            # token-level logits are cut back to the row's own tokens; a sequence's logits have no length
            logits[member] = row_logits[:, : lengths[member]] if len(row_logits.shape) == 3 else row_logits
    return logits


def pad_value(key, tokenizer):
    """What pads `key`: the pad token for token ids; 0 for the attention mask and token types."""
    return (tokenizer.pad_token_id or 0) if key == "input_ids" else 0


def padded(tensors, width, value):
    """[len(tensors), width] int32: each [1, length] tensor, right-padded with `value`."""
    batch = np.full((len(tensors), width), value, dtype=np.int32)
    for index, tensor in enumerate(tensors):
        values = np.asarray(tensor)[0]
        batch[index, : len(values)] = values
    return batch
