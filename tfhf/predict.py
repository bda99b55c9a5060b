"""`tfhf predict`: a trained model (a run's output directory, a local checkpoint or a Hub id)
answers texts through the transformers pipeline of its task, with the TensorFlow framework.

The task comes from the run's recipe.json when there is one, else from the config's
architecture (`...ForTokenClassification` -> token-classification); `task=` overrides it.
Models load through tfhf.model_loading, so PyTorch-format safetensors checkpoints work
without torch. Each input gives one JSON-able dict: labels with scores, grouped
entities, an answer with start/end/score, mask fills, or generated texts.

Generation (translation, summarization, text2text-generation, text-generation) takes the
options users know from `generate`: greedy by default, `num_beams`, sampling (`do_sample`
with `temperature`, `top_k`, `top_p`; `seed` makes it repeat), `num_return_sequences`,
`max_new_tokens`, `repetition_penalty`, `no_repeat_ngram_size`. The pipeline runs
`generate` eagerly; `xla=True` compiles it instead (tfhf.generation: one program per
input length bucket, much faster for many inputs), and refuses the options XLA cannot
run, naming them. Sampling under XLA is stateless, seeded by `seed` (0 if not given).
"""

import json
from pathlib import Path

from tfhf.errors import TfhfError

# architecture name suffix -> task, for checkpoints without a tfhf recipe.json
ARCHITECTURE_TASKS = (
    ("ForSequenceClassification", "text-classification"),
    ("ForTokenClassification", "token-classification"),
    ("ForQuestionAnswering", "question-answering"),
    ("ForMaskedLM", "fill-mask"),
    ("LMHeadModel", "text-generation"),
    ("ForCausalLM", "text-generation"),
    ("ForConditionalGeneration", "text2text-generation"),
    ("MTModel", "text2text-generation"),
)
GENERATING_TASKS = ("translation", "summarization", "text2text-generation", "text-generation")
# what TensorFlow's generate cannot do inside an XLA program
XLA_UNSUPPORTED = {
    "no_repeat_ngram_size": "is not supported under XLA (TensorFlow implements it for eager execution only)",
    "num_return_sequences": "is not supported with --xla here (one output per input)",
}


def saved_recipe(model_path):
    """The recipe.json of a tfhf run directory, as a dict, or None."""
    recipe_file = Path(model_path) / "recipe.json"
    if not recipe_file.is_file():
        return None
    try:
        recipe = json.loads(recipe_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise TfhfError(f"{recipe_file} is not valid JSON: {error}") from None
    if not isinstance(recipe, dict) or not isinstance(recipe.get("task", ""), str):
        raise TfhfError(
            f"{recipe_file} is not a tfhf recipe (a JSON {type(recipe).__name__}, not an object with a task)"
        )
    return recipe


def architecture_task(config):
    """The pipeline task the config's architecture implies, or None."""
    for architecture in config.architectures or ():
        for suffix, task in ARCHITECTURE_TASKS:
            if architecture.endswith(suffix):
                return task
    return None


def infer_task(model_path, trust_remote_code=False):
    """The pipeline task of a run directory, checkpoint folder or Hub id.

    A recipe.json whose task the model's architecture cannot do (a classifier's folder
    saying fill-mask) is refused: its pipeline would print garbage, not an error.
    """
    from tfhf.model_loading import load_config

    recipe = saved_recipe(model_path)
    config = load_config(str(model_path), trust_remote_code)
    implied = architecture_task(config)
    if recipe and "task" in recipe:
        task = recipe["task"]
        generating = implied == "text2text-generation" and task in GENERATING_TASKS
        if implied and implied != task and not generating:
            raise TfhfError(
                f"{Path(model_path) / 'recipe.json'} says task {task!r}, but the model is a "
                f"{', '.join(config.architectures)} ({implied}); fix recipe.json or give --task {implied}"
            )
        return task
    if implied:
        return implied
    raise TfhfError(
        f"cannot tell the task of {model_path}: no recipe.json, and its config names no known architecture "
        f"({', '.join(config.architectures or ['none'])}); give --task"
    )


class Predictor:
    """A loaded model and its pipeline: `Predictor(path)(texts, context=..., **options)` -> list of dicts."""

    def __init__(self, model_path, task=None, trust_remote_code=False):
        from transformers import TFAutoModelForSeq2SeqLM, pipeline

        from tfhf.model_loading import load_pretrained_model, load_tokenizer
        from tfhf.tasks import TASKS

        model_path = str(model_path)
        if Path(model_path).is_dir() and not (Path(model_path) / "config.json").is_file():
            raise TfhfError(f"{model_path} is not a model folder: it has no config.json")
        self.task = task or infer_task(model_path, trust_remote_code)
        if self.task not in (*TASKS, "text2text-generation"):
            raise TfhfError(f"unknown task {self.task!r} (tasks: {', '.join([*TASKS, 'text2text-generation'])})")
        model_class = TFAutoModelForSeq2SeqLM if self.task == "text2text-generation" else TASKS[self.task].model_class
        self.tokenizer = load_tokenizer(model_path, trust_remote_code)
        self.model = load_pretrained_model(model_class, model_path, trust_remote_code)
        # dtype=None: the default "auto" makes pipeline() look the dtype up in torch, which is not installed
        self.pipeline = pipeline(
            self.task,
            model=self.model,
            tokenizer=self.tokenizer,
            framework="tf",
            dtype=None,
            trust_remote_code=trust_remote_code,
        )
        self.defaults = run_defaults(saved_recipe(model_path) or {})

    def __call__(self, texts, context=None, seed=None, xla=False, **options):
        options = {key: value for key, value in options.items() if value is not None}
        if xla and self.task not in GENERATING_TASKS:
            raise TfhfError(f"--xla compiles generation; {self.task} does not generate")
        for index, text in enumerate(texts):
            if not text.strip():
                raise TfhfError(f"input {index + 1} is empty: give some text")
        if self.task != "question-answering":  # QA windows a long context itself
            self._check_lengths(texts)
        if self.task == "question-answering":
            return [self._answer(question, context) for question in texts]
        if self.task == "fill-mask":
            return [self._fill(text, options) for text in texts]
        if self.task in GENERATING_TASKS and xla:
            return self._generate_with_xla(texts, seed, options)
        if self.task in GENERATING_TASKS:
            return [self._generate(text, seed, options) for text in texts]
        unused = sorted(options)
        if unused:
            raise TfhfError(f"{self.task} takes no generation options (got {', '.join(unused)})")
        if self.task == "token-classification":
            return [{"entities": self._entities(text)} for text in texts]
        return [{"labels": self._labels(text)} for text in texts]

    def _check_lengths(self, texts):
        """Refuses a text with more tokens than the model has positions: it would fail, or ask XLA for huge buffers."""
        from tfhf.position_limits import model_positions

        limit = model_positions(self.model.config)
        if limit is None:
            return
        for index, text in enumerate(texts):
            length = len(self.tokenizer(text)["input_ids"])
            if length > limit:
                raise TfhfError(
                    f"input {index + 1} is {length} tokens long; this model reads at most {limit}: shorten it"
                )

    def _labels(self, text):
        scores = self.pipeline(text, top_k=None)
        return [{"label": item["label"], "score": round(float(item["score"]), 4)} for item in scores]

    def _entities(self, text):
        entities = self.pipeline(text, aggregation_strategy="simple")
        return [
            {
                "entity_group": entity["entity_group"],
                "score": round(float(entity["score"]), 4),
                "word": entity["word"],
                "start": int(entity["start"]),
                "end": int(entity["end"]),
            }
            for entity in entities
        ]

    def _answer(self, question, context):
        if not context or not context.strip():
            raise TfhfError("question-answering needs --context: the text the answer is taken from")
        answer = self.pipeline(question=question, context=context, **self.defaults["question-answering"])
        return {
            "question": question,
            "answer": answer["answer"],
            "score": round(float(answer["score"]), 4),
            "start": int(answer["start"]),
            "end": int(answer["end"]),
        }

    def _fill(self, text, options):
        mask = self.tokenizer.mask_token
        if mask not in text:
            raise TfhfError(f"fill-mask needs the mask token {mask} in the text: {text!r}")
        unused = sorted(set(options) - {"top_k"})
        if unused:
            raise TfhfError(f"fill-mask takes only --top-k (got {', '.join(unused)})")
        fills = self.pipeline(text, top_k=options.get("top_k", 5))
        if fills and isinstance(fills[0], list):  # several masks: transformers returns a list per mask
            raise TfhfError(f"give one {mask} per text, not {text.count(mask)}")
        return {
            "text": text,
            "fills": [
                {"token": fill["token_str"], "score": round(float(fill["score"]), 4), "sequence": fill["sequence"]}
                for fill in fills
            ],
        }

    def _generate(self, text, seed, options):
        import tensorflow as tf

        check_sampling_options(options)
        if options.get("do_sample") and seed is not None:
            tf.keras.utils.set_random_seed(seed)  # TF's generate samples from the global generator
        key = "generated_text" if self.task == "text-generation" else f"{self.pipeline_output_key}_text"
        try:
            outputs = self.pipeline(text, **{**self.defaults["generation"], **options})
        except (ValueError, NotImplementedError) as error:
            raise TfhfError(f"generation options {options}: {str(error).splitlines()[0]}") from None
        return {"input": text, "outputs": [output[key] for output in outputs]}

    def _generate_with_xla(self, texts, seed, options):
        """Generation compiled with XLA (tfhf.generation): one program per input length bucket."""
        from tfhf.generation import XlaGenerator

        check_sampling_options(options)
        for key, reason in XLA_UNSUPPORTED.items():
            if key in options:
                raise TfhfError(f"--{key.replace('_', '-')} {reason}; drop --xla to use it")
        options = {**self.defaults["generation"], **options}
        if options.get("do_sample"):
            options["seed"] = [seed or 0, 0]  # stateless sampling: random ops XLA can compile
        sequences = [self.tokenizer(text)["input_ids"] for text in texts]
        longest = max(len(ids) for ids in sequences)
        generator = XlaGenerator(
            self.model, self.tokenizer, buckets=[16, 32, 64, 128, longest], batch_size=len(texts), max_new_tokens=64
        )
        generator.options.update(options)
        try:
            outputs = generator.generate(sequences)
        except (ValueError, NotImplementedError, TypeError) as error:
            raise TfhfError(f"generation options {options} under XLA: {str(error).splitlines()[0]}") from None
        return [{"input": text, "outputs": [output]} for text, output in zip(texts, outputs)]

    @property
    def pipeline_output_key(self):
        return {"translation": "translation", "summarization": "summary"}.get(self.task, "generated")


def check_sampling_options(options):
    if not options.get("do_sample"):
        for key in ("temperature", "top_k", "top_p"):
            if key in options:
                raise TfhfError(f"--{key.replace('_', '-')} applies to sampling: add --do-sample")


def run_defaults(recipe):
    """Settings a run trained and evaluated with (from its recipe.json), used unless an option overrides them."""
    data, generate = recipe.get("data", {}), recipe.get("generate", {})
    question_answering = {
        "max_seq_len": data.get("max_length"),
        "doc_stride": data.get("stride"),
        "max_answer_len": data.get("max_answer_length"),
    }
    generation = {"max_new_tokens": generate.get("max_new_tokens"), "num_beams": generate.get("num_beams")}
    return {
        "question-answering": {key: value for key, value in question_answering.items() if value is not None},
        "generation": {key: value for key, value in generation.items() if value is not None},
    }
