"""`tfhf predict` for the tasks that generate text: the pipeline's eager `generate`, or XLA.

Greedy by default, with the strategies of TensorFlow's `generate`: beam search
(`num_beams`, `length_penalty`), sampling (`do_sample` with `temperature`, `top_k`,
`top_p`; `seed` makes it repeat), contrastive search (`penalty_alpha` with `top_k`), and
`num_return_sequences`, `max_new_tokens`, `min_new_tokens`, `repetition_penalty`,
`no_repeat_ngram_size`; `batch_size` texts at a time. Diverse beam search
(`num_beam_groups`) exists only in PyTorch's `generate` and is refused by name.
`xla=True` compiles generation instead (tfhf.model.generation: one program per input length
bucket, much faster for many inputs) and refuses the options XLA cannot run, naming
them. Sampling under XLA is stateless, seeded by `seed` (0 if not given).
"""

from tfhf.errors import TfhfError

# what TensorFlow's generate cannot do inside an XLA program
XLA_UNSUPPORTED = {
    "no_repeat_ngram_size": "is not supported under XLA (TensorFlow implements it for eager execution only)",
    "num_return_sequences": "is not supported with --xla here (one output per input)",
}


def generation_defaults(saved_recipe):
    """The generation settings a run was evaluated with (its recipe.json), used unless an option overrides them."""
    generate = saved_recipe.get("generate", {})
    defaults = {"num_beams": generate.get("num_beams"), "max_new_tokens": generate.get("max_new_tokens")}
    return {key: value for key, value in defaults.items() if value is not None}


def record_generation_settings(model, recipe):
    """The recipe's generation length and beams in the model's generation_config (pipelines default to 20 tokens)."""
    model.generation_config.max_new_tokens = recipe.generate.max_new_tokens
    model.generation_config.num_beams = recipe.generate.num_beams


def predict_generated(predictor, texts, options, seed, xla, output_key):
    """[{input, outputs}] for `texts`; `output_key` is the field the pipeline puts each text in."""
    check_strategy_options(options)
    batch_size = options.pop("batch_size", None)
    if xla:
        return _generate_with_xla(predictor, texts, seed, options)
    if batch_size:
        return _generate_batches(predictor, texts, seed, options, output_key, batch_size)
    return [_generate(predictor, text, seed, options, output_key) for text in texts]


def check_strategy_options(options):
    """Refuses options that need another option, and what TensorFlow's `generate` cannot do."""
    if "num_beam_groups" in options:
        raise TfhfError("--num-beam-groups (diverse beam search) exists only in PyTorch's generate, not TensorFlow's")
    if "penalty_alpha" in options and "top_k" not in options:
        raise TfhfError("--penalty-alpha is contrastive search: give --top-k too (e.g. 4)")
    if not options.get("do_sample"):
        for key in ("temperature", "top_p") + (() if "penalty_alpha" in options else ("top_k",)):
            if key in options:
                raise TfhfError(f"--{key.replace('_', '-')} applies to sampling: add --do-sample")


def _generate(predictor, text, seed, options, output_key):
    import tensorflow as tf

    if options.get("do_sample") and seed is not None:
        tf.keras.utils.set_random_seed(seed)  # TF's generate samples from the global generator
    try:
        outputs = predictor.pipeline(text, **{**predictor.defaults, **options})
    except (ValueError, NotImplementedError) as error:
        raise TfhfError(f"generation options {options}: {str(error).splitlines()[0]}") from None
    return {"input": text, "outputs": [output[output_key] for output in outputs]}


def _generate_batches(predictor, texts, seed, options, output_key, batch_size):
    """The pipeline over all `texts`, `batch_size` at a time (padded within each batch)."""
    import tensorflow as tf

    if options.get("do_sample") and seed is not None:
        tf.keras.utils.set_random_seed(seed)
    try:
        outputs = predictor.pipeline(texts, batch_size=batch_size, **{**predictor.defaults, **options})
    except (ValueError, NotImplementedError) as error:
        raise TfhfError(f"generation options {options}: {str(error).splitlines()[0]}") from None
    rows = []
    for text, found in zip(texts, outputs):
        found = found if isinstance(found, list) else [found]  # one output per text comes unwrapped
        rows.append({"input": text, "outputs": [output[output_key] for output in found]})
    return rows


def _generate_with_xla(predictor, texts, seed, options):
    """Generation compiled with XLA (tfhf.model.generation): one program per input length bucket."""
    from tfhf.model.generation import XlaGenerator

    for key, reason in XLA_UNSUPPORTED.items():
        if key in options:
            raise TfhfError(f"--{key.replace('_', '-')} {reason}; drop --xla to use it")
    options = {**predictor.defaults, **options}
    if options.get("do_sample"):
        options["seed"] = [seed or 0, 0]  # stateless sampling: random ops XLA can compile
    sequences = [predictor.tokenizer(text)["input_ids"] for text in texts]
    longest = max(len(ids) for ids in sequences)
    generator = XlaGenerator(
        predictor.model,
        predictor.tokenizer,
        buckets=[16, 32, 64, 128, longest],
        batch_size=len(texts),
        max_new_tokens=64,
    )
    generator.options.update(options)
    try:
        outputs = generator.generate(sequences)
    except (ValueError, NotImplementedError, TypeError) as error:
        raise TfhfError(f"generation options {options} under XLA: {str(error).splitlines()[0]}") from None
    return [{"input": text, "outputs": [output]} for text, output in zip(texts, outputs)]
