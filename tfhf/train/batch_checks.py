"""Preflight checks: the classic TensorFlow training mistakes (the course's chapter 8), caught before training.

`tfhf doctor RECIPE` prints the report; `tfhf run` runs the same checks first and stops on
a failure (`--set train.preflight=False` skips them). Every check looks at one batch built
exactly as training builds it, and at the model about to be trained:

- labels: present where the model computes its own loss, and no Keras loss compiled while
  labels ride inside the inputs (Keras then finds no targets: "Target data is missing",
  "No gradients provided" in the course's Keras);
  inside the range of the head (num_labels, the vocabulary, the sequence length); -100
  (ignored by the loss) only on padding and special positions, never on a whole row;
- signal: the inputs differ between examples, and the labels take more than one value;
- the forward pass: a finite loss; for a classifier, a loss at initialisation near
  ln(number of classes), as a freshly initialised head predicts about uniformly;
- the optimiser: a few steps on a slice of that batch must make its loss fall (the overfit test: 20 steps on
  8 rows, 8 steps on 4 rows for a model of base size or more, or whose step on 8 rows is as costly);
  a loss that rises or turns NaN means the learning rate is too high.

The overfit steps change nothing for good: the weights and the dropout generators are
saved before and put back after, so running the checks does not change the run. They do
compile the model with their own optimizer: compile it for training afterwards.
"""

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
import tf_keras

from tfhf.runtime.start import random_generators
from tfhf.train.step_tracing import prepare_train_step

IGNORED = -100
LABEL_KEYS = ("labels", "start_positions", "end_positions")
OVERFIT_STEPS = 20
OVERFIT_ROWS = 8  # the test's steps cost little on a slice, and a healthy model fits 8 rows as surely as 32
# A step on 8 rows that takes about a second on a CPU gets fewer, smaller steps, to keep the preflight to a few
# training steps' time: from base size on (BERT-base: 110M), or from 100 GFLOP a step on 8 rows by the count
# 6 x parameters x tokens (every parameter, embeddings too: an upper bound; the 22.7M all-MiniLM-L6-v2 from
# 92 tokens a row).
LARGE_MODEL_PARAMETERS = 50_000_000
LARGE_STEP_FLOP = 100e9
LARGE_MODEL_STEPS, LARGE_MODEL_ROWS = 8, 4


@dataclass
class Check:
    name: str
    status: str  # "pass", "warn" or "fail"
    detail: str
    fix: str = ""

    def line(self):
        fix = f" -> {self.fix}" if self.fix and self.status != "pass" else ""
        return f"  {self.status.upper():4}  {self.name:<22} {self.detail}{fix}"


def first_batch(batches):
    """(the first batch as {name: numpy array}, labels included; whether the labels came as the y of (x, y)).

    model.prepare_tf_dataset yields (features, labels) pairs, and transformers' train_step
    hands such labels to the model's own loss; the course's mistake is labels left inside
    the features while Keras is given a loss of its own.
    """
    element = next(iter(batches))
    if not isinstance(element, tuple):
        return {k: np.asarray(v) for k, v in element.items()}, False
    features, labels = element[0], element[1]
    batch = {k: np.asarray(v) for k, v in features.items()}
    batch.update(
        {k: np.asarray(v) for k, v in labels.items()} if isinstance(labels, dict) else {"labels": np.asarray(labels)}
    )
    return batch, True


def diagnose(model, features, labels, learning_rate, labels_in_y=True, label_values=None, initial_loss=True):
    """Runs every check on one batch; returns the list of Checks (the model's weights are left as they were).

    `features` is the batch dict, labels included; `labels` (tfhf.tasks.base.Labels) says
    what the task's labels hold; `labels_in_y` says whether the data
    gives them as the y of (x, y) pairs or inside x; `label_values` are label values
    from the training split, for the label-variety check; `initial_loss` is False for a
    head that was trained already (a fine-tuned checkpoint), where ln(classes) means nothing.
    """
    checks = [check_loss_wiring(model, features, labels_in_y)]
    checks += check_label_ranges(model, features, labels)
    checks += check_ignored_positions(features, labels)
    checks.append(check_inputs_vary(features))
    if label_values is not None:
        checks.append(check_label_variety(label_values))
    if any(check.status == "fail" for check in checks):
        return checks  # running the model on broken labels tells nothing more (and may crash)
    forward = check_forward(model, features, labels, initial_loss)
    checks += forward
    if all(check.status != "fail" for check in forward):
        steps, rows = overfit_size(model, features)
        checks.append(check_overfit(model, features, learning_rate, steps, rows))
    return checks


def overfit_size(model, features):
    """(steps, rows) of the overfit test: fewer and smaller for a model whose step on 8 rows takes about a second."""
    parameters = model.count_params()
    tokens = sum(np.shape(features[key])[-1] for key in ("input_ids", "decoder_input_ids") if key in features)
    if "decoder_input_ids" not in features and model.config.is_encoder_decoder:
        tokens += np.shape(features["labels"])[-1]  # the decoder's positions come from the labels
    large = parameters >= LARGE_MODEL_PARAMETERS or 6 * parameters * OVERFIT_ROWS * tokens >= LARGE_STEP_FLOP
    return (LARGE_MODEL_STEPS, LARGE_MODEL_ROWS) if large else (OVERFIT_STEPS, OVERFIT_ROWS)


def check_loss_wiring(model, features, labels_in_y):
    name = "labels reach the loss"
    labels = [key for key in LABEL_KEYS if key in features]
    keras_loss = has_keras_loss(model)
    if not labels:
        return Check(
            name,
            "fail",
            f"the batch has no labels (keys: {', '.join(features)}), so there is no loss to train on",
            "check the label column and that preprocessing keeps it",
        )
    if keras_loss and not labels_in_y:
        if hasattr(model, "_using_dummy_loss"):  # a transformers model: its train_step copies labels to y
            return Check(
                name,
                "warn",
                f"a Keras loss is compiled and the labels ({', '.join(labels)}) are inside the inputs; transformers "
                "copies them to y, so this trains, but the model also computes its own loss, unused",
                "compile without a loss (the model's own is used), or give labels as y",
            )
        return Check(
            name,
            "fail",
            f"a Keras loss is compiled but the labels ({', '.join(labels)}) are inside the inputs, so Keras gets "
            "no targets: fit stops with 'Target data is missing' (older Keras: 'No gradients provided')",
            "give the labels as y of (x, y) batches, or let the model compute its own loss",
        )
    if keras_loss:
        return Check(name, "pass", f"{', '.join(labels)} are the y of each batch, for the compiled Keras loss")
    return Check(name, "pass", f"the model computes its own loss from {', '.join(labels)}")


def has_keras_loss(model):
    """Whether `model` was compiled with a Keras loss (not transformers' stand-in for the model's own)."""
    if getattr(model, "_using_dummy_loss", False):
        return False
    return bool(getattr(model, "loss", None))


def label_limit(model, labels, key, features):
    """The exclusive upper bound of label ids for `key`, and what it is called."""
    if key in ("start_positions", "end_positions"):
        return features["input_ids"].shape[1], "the window length"
    if labels.classes:
        return model.config.num_labels, "num_labels"
    return model.config.vocab_size, "the vocabulary size"


def check_label_ranges(model, features, labels):
    checks = []
    for key in LABEL_KEYS:
        if key not in features:
            continue
        values = features[key]
        limit, what = label_limit(model, labels, key, features)
        bad = (values >= limit) | ((values < 0) & (values != IGNORED))
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            value = int(values[bad][0])
            checks.append(
                Check(
                    f"{key} in range",
                    "fail",
                    f"{key} value {value} (batch row {row}) is outside 0..{limit - 1} ({what}={limit}); "
                    "TensorFlow gives NaN or garbage for it on GPU, silently",
                    f"make {what} cover every label, or fix the labels",
                )
            )
        else:
            checks.append(Check(f"{key} in range", "pass", f"all within 0..{limit - 1} ({what})"))
    return checks


def check_ignored_positions(features, kind):
    """-100 belongs on padding and special positions of token-level labels, nowhere else."""
    if "labels" not in features:
        return []
    labels = features["labels"]
    name = "-100 where it belongs"
    if labels.ndim == 1:
        if (labels == IGNORED).any():
            return [Check(name, "fail", "a sequence-level label is -100", "every example needs a real label")]
        return [Check(name, "pass", "one real label per example")]
    empty_rows = np.flatnonzero((labels == IGNORED).all(axis=1))
    if len(empty_rows):
        return [
            Check(
                name,
                "warn" if kind.sparse else "fail",  # masking draws at random: a short row may get none
                f"batch row {empty_rows[0]} has -100 on every position, so it teaches nothing",
                "check truncation lengths and label alignment",
            )
        ]
    mask = features.get("attention_mask")
    if mask is not None and kind.per_position:
        padded_but_labelled = (mask == 0) & (labels != IGNORED)
        if padded_but_labelled.any():
            row, position = np.argwhere(padded_but_labelled)[0]
            return [
                Check(
                    name,
                    "fail",
                    f"padding position {position} of batch row {row} has label {labels[row, position]}, "
                    "so the loss trains on padding",
                    "pad labels with -100 (label_pad_token_id=-100 in the collator)",
                )
            ]
    if kind.target_sequence:  # -100 may only pad the end of a target
        after_first = np.cumsum(labels == IGNORED, axis=1) > 0
        if (after_first & (labels != IGNORED)).any():
            row = int(np.argwhere(after_first & (labels != IGNORED))[0][0])
            return [
                Check(
                    name,
                    "fail",
                    f"batch row {row} has real labels after a -100: only the end may be padding",
                    "pad target labels on the right with -100",
                )
            ]
    return [Check(name, "pass", f"{(labels == IGNORED).mean():.0%} of label positions ignored, on padding/specials")]


def check_inputs_vary(features):
    ids = features["input_ids"]
    if len(ids) > 1 and (ids == ids[:1]).all():
        return Check(
            "inputs differ",
            "fail",
            f"all {len(ids)} examples of the batch have the same input ids: there is no signal to learn from",
            "check the text column, and that max_length does not cut every input to the same few tokens",
        )
    return Check("inputs differ", "pass", f"{len({row.tobytes() for row in ids})} distinct inputs in the batch")


def check_label_variety(label_values):
    values = np.asarray([value for value in np.ravel(label_values) if value != IGNORED])
    distinct = np.unique(values)
    if len(distinct) <= 1:
        only = distinct[0] if len(distinct) else "none"
        return Check(
            "labels vary",
            "fail",
            f"every training label is {only}: a constant answer is already perfect, nothing is learned",
            "check the label column and the data split",
        )
    counts = np.unique(values, return_counts=True)[1]
    return Check(
        "labels vary", "pass", f"{len(distinct)} label values, the most common {counts.max() / len(values):.0%}"
    )


def check_forward(model, features, labels, initial_loss):
    outputs = model(features, training=False)
    loss = float(tf.reduce_mean(outputs.loss))
    logits = [value for key, value in outputs.items() if key.endswith("logits")]
    if not math.isfinite(loss) or not all(np.isfinite(np.asarray(value)).all() for value in logits):
        return [
            Check(
                "forward pass",
                "fail",
                f"the untrained model already gives a loss of {loss} (or non-finite logits)",
                "check the inputs (ids inside the vocabulary) and the precision policy",
            )
        ]
    checks = [Check("forward pass", "pass", f"loss {loss:.4g}, logits finite")]
    if labels.classes and initial_loss:
        classes = model.config.num_labels
        expected = math.log(classes)
        status = "pass" if abs(loss - expected) <= 0.5 * expected + 0.3 else "warn"
        checks.append(
            Check(
                "loss at initialisation",
                status,
                f"{loss:.4g}, against ln({classes}) = {expected:.4g} for uniform guesses",
                "a loss far from ln(classes) means mismatched labels or a head that is not fresh",
            )
        )
    return checks


def check_overfit(model, features, learning_rate, steps=OVERFIT_STEPS, rows=OVERFIT_ROWS):
    """A few optimizer steps on the first `rows` rows of a batch; the weights and random state are put back after."""
    features = {key: value[:rows] for key, value in features.items()}
    rows = len(features["input_ids"])  # the batch may have had fewer
    weights = model.get_weights()
    generators = random_generators(model)
    generator_states = [generator.state.numpy() for generator in generators]
    try:
        # transformers' optimizers are tf_keras's legacy ones: one fused update op per weight, quicker to trace
        model.compile(optimizer=tf_keras.optimizers.legacy.Adam(learning_rate))
        prepare_train_step(model)
        losses = [float(model.train_on_batch(features, return_dict=True)["loss"]) for _ in range(steps)]
    finally:
        model.set_weights(weights)
        for generator, state in zip(generators, generator_states):
            generator.state.assign(state)
    loss_before, loss_after = losses[0], losses[-1]
    name = "overfit one batch"
    where = f"{loss_before:.4g} -> {loss_after:.4g} in {steps} steps on {rows} rows at lr {learning_rate:g}"
    if not all(math.isfinite(loss) for loss in losses) or loss_after > loss_before * 1.05:
        return Check(name, "fail", f"the loss diverged ({where})", "lower train.learning_rate (or add warmup)")
    if loss_after > loss_before * 0.9:
        return Check(
            name,
            "warn",
            f"the loss barely moved ({where})",
            "raise train.learning_rate, or check that the labels match the inputs",
        )
    return Check(name, "pass", f"the loss fell ({where})")


def describe_example(features, tokenizer, id2label=None, row=0):
    """Lines showing row `row` of the batch decoded, so the user sees what the model really gets."""
    ids = features["input_ids"][row]
    mask = features.get("attention_mask", np.ones_like(features["input_ids"]))[row]
    lines = [f"  input:  {tokenizer.decode(ids[mask == 1])!r}"]
    labels = features.get("labels")
    if labels is not None:
        labels = labels[row]
        if labels.ndim == 0:
            lines.append(f"  label:  {int(labels)} ({(id2label or {}).get(int(labels), '?')})")
        elif labels.shape == ids.shape and id2label and len(id2label) < len(tokenizer):
            pairs = [
                f"{tokenizer.convert_ids_to_tokens(int(token))}/{id2label.get(int(label), label)}"
                for token, label in zip(ids, labels)
                if label != IGNORED
            ]
            lines.append("  labels: " + " ".join(pairs[:24]) + (" ..." if len(pairs) > 24 else ""))
        else:
            kept = labels[labels != IGNORED]
            lines.append(f"  labels: {tokenizer.decode(kept)!r} ({len(kept)} of {len(labels)} positions)")
    if "start_positions" in features:
        start, end = int(features["start_positions"][row]), int(features["end_positions"][row])
        answer = tokenizer.decode(ids[start : end + 1]) if start else "(not in this window: CLS)"
        lines.append(f"  answer: {answer!r} (tokens {start}..{end})")
    return lines


def report(checks, example_lines=()):
    """The printable report: the decoded example, then one line per check."""
    lines = ["first training example, as the model gets it:", *example_lines, "checks:"]
    lines += [check.line() for check in checks]
    failed = sum(check.status == "fail" for check in checks)
    warned = sum(check.status == "warn" for check in checks)
    lines.append(f"{len(checks) - failed - warned} passed, {warned} warned, {failed} failed")
    return "\n".join(lines)
