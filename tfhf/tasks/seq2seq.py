"""Text-to-text tasks (translation, summarization): what differs from other tasks.

Tasks of this kind differ only in their columns, source prefix and metric; everything
else, generation included, is this one class.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from transformers import DataCollatorForSeq2Seq, TFAutoModelForSeq2SeqLM

from tfhf.data.length_report import LengthLimit
from tfhf.errors import TfhfError
from tfhf.model.generation import XlaGenerator, bucket_lengths
from tfhf.model.loading import load_config
from tfhf.tasks.base import Labels, Task
from tfhf.tasks.data_parts import Seq2SeqData
from tfhf.tasks.generated_text import generation_defaults, predict_generated, record_generation_settings
from tfhf.tasks.usage import Usage


@dataclass(frozen=True)
class Seq2SeqUsage(Usage):
    """What `tfhf predict` answers and the model card shows for a text-to-text model."""

    name: str
    output_key: str = "generated_text"
    """Where the task's transformers pipeline puts each output, e.g. 'translation_text'."""
    architecture_suffixes: tuple = ()
    """Set only on the generic text-to-text task: a seq2seq config does not say which task it learned."""
    usage_example: str = 'pipe("Save the document before you close the window.")'

    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        return predict_generated(predictor, texts, options, seed, xla, self.output_key)

    def pytorch_usage(self, name, recipe):
        """`generate` itself: transformers 5 has no translation, summarization or text2text pipelines."""
        generate, prefix = recipe["generate"], recipe["data"].get("source_prefix", "")
        example = self.usage_example.removeprefix("pipe(").removesuffix(")")
        return f"""from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("{name}")
model = AutoModelForSeq2SeqLM.from_pretrained("{name}")


def generate(texts):
    inputs = tokenizer([{prefix!r} + text for text in texts], return_tensors="pt", padding=True)
    outputs = model.generate(**inputs, num_beams={generate["num_beams"]}, max_new_tokens={generate["max_new_tokens"]})
    return tokenizer.batch_decode(outputs, skip_special_tokens=True)


print(generate([{example}]))
"""

    def pipeline_defaults(self, saved_recipe):
        return generation_defaults(saved_recipe)


@dataclass(frozen=True)
class Seq2SeqTask(Task):
    name: str
    """The Hub's pipeline_tag for the task, e.g. 'translation'."""
    metric: Callable
    """metric(predictions, references) -> {name: value}."""
    headline: str
    """The metric that sums a run up, e.g. 'bleu'."""
    usage: Seq2SeqUsage
    """What `tfhf predict` and the model card say for the task."""
    baselines: tuple[Callable, ...] = ()
    """Non-learned baselines, source text -> prediction (e.g. lead-3), scored beside the model."""

    model_class = TFAutoModelForSeq2SeqLM
    data_class = Seq2SeqData
    tokenizer_style = "sentencepiece"
    labels = Labels(target_sequence=True)
    generates = True
    scores_by_generating = True

    def columns(self, data):
        return [data.source_column, data.target_column]

    def text_columns(self, data):
        return [data.source_column, data.target_column]

    def validate(self, recipe, log):
        """Checks the source prefix against the prefixes a pretrained model declares (T5 style).

        T5 checkpoints list theirs in `config.task_specific_params` ("summarize: ", ...); a
        model that lists none (mT5, Marian, BART) was never trained with one, and a prefix
        would only be noise in every input, so it is refused. A model built from scratch
        learns whatever convention the recipe uses.
        """
        data, checkpoint = recipe.data, recipe.model.checkpoint
        if not checkpoint:
            return
        declared = {
            name: params["prefix"]
            for name, params in (
                load_config(checkpoint, recipe.model.trust_remote_code).task_specific_params or {}
            ).items()
            if params.get("prefix")
        }
        if data.source_prefix and not declared:
            raise TfhfError(
                f"data.source_prefix={data.source_prefix!r} but model {checkpoint} was not trained with task "
                "prefixes (its config declares none); remove data.source_prefix"
            )
        own = {name: prefix for name, prefix in declared.items() if name.startswith(self.name)}
        if own and data.source_prefix not in own.values():
            log(
                f"note: model {checkpoint} was trained with the prefixes {sorted(set(own.values()))} for "
                f"{self.name}; data.source_prefix is {data.source_prefix!r}"
            )

    def tokenizer_corpus(self, split, data):
        """Texts to train a new tokenizer on: both sides share one vocabulary (Marian-style)."""
        for row in split.select_columns(self.columns(data)):
            yield row[data.source_column]
            yield row[data.target_column]

    def special_token_ids(self, tokenizer):
        """Config ids for a model built from scratch; Marian-style: decoding starts from <pad>."""
        return {
            "vocab_size": len(tokenizer),
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "decoder_start_token_id": tokenizer.pad_token_id,
            "forced_eos_token_id": tokenizer.eos_token_id,
        }

    def preprocess(self, split, tokenizer, data):
        """Token ids for sources (`input_ids`) and targets (`labels`), with `datasets.map`."""

        def tokenize(batch):
            sources = [data.source_prefix + text for text in batch[data.source_column]]
            features = tokenizer(sources, max_length=data.max_source_length, truncation=True)
            targets = tokenizer(
                text_target=batch[data.target_column], max_length=data.max_target_length, truncation=True
            )
            features["labels"] = targets["input_ids"]
            return features

        return split.map(
            tokenize, batched=True, remove_columns=split.column_names, desc="tokenizing", num_proc=data.num_proc
        )

    def length_limits(self, data):
        def sources(tokenizer, rows):
            return tokenizer([data.source_prefix + text for text in rows[data.source_column]])["input_ids"]

        def targets(tokenizer, rows):
            return tokenizer(text_target=rows[data.target_column])["input_ids"]

        return [
            LengthLimit("data.max_source_length", data.max_source_length, sources),
            LengthLimit("data.max_target_length", data.max_target_length, targets),
        ]

    def collator(self, tokenizer, model, data):
        """Pads inputs with the pad id and labels with -100 (ignored by the loss).

        The course passes `model=model` so the collator builds decoder inputs, through an
        eager TensorFlow call per batch; left out, the model builds them from the labels
        inside its compiled step (the same shift right), and the collator is about three
        times faster (docs/performance.md).
        """
        return DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100, return_tensors="np")

    def baseline_scores(self, raw, tokenized, data, tokenizer):
        validation = raw["validation"]
        references = validation[data.target_column]
        return [
            {
                "name": baseline.__name__,
                **self.metric([baseline(text) for text in validation[data.source_column]], references),
            }
            for baseline in self.baselines
        ]

    def generator(self, model, tokenizer, recipe):
        """The XLA generator of the metric loop: the recipe's buckets (up to the longest source), batch and options."""
        return XlaGenerator(
            model,
            tokenizer,
            buckets=bucket_lengths(recipe.generate.length_buckets, recipe.data.max_source_length),
            batch_size=recipe.eval.batch_size,
            max_new_tokens=recipe.generate.max_new_tokens,
            num_beams=recipe.generate.num_beams,
        )

    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        """A function that scores the model on the validation split; its XLA programs are kept between calls."""
        data = recipe.data
        generator = self.generator(model, tokenizer, recipe)
        sources = tokenized_validation["input_ids"]
        references = raw_validation[data.target_column]

        def evaluate(phase):
            started = time.perf_counter()
            predictions = generator.generate(sources, description=f"evaluating ({phase})")
            metrics = self.metric(predictions, references)
            metrics.update(
                eval_seconds=round(time.perf_counter() - started, 2),
                xla_compilations=generator.compilations,
                xla_compile_seconds=round(generator.compile_seconds, 2),
                xla_buckets=len(generator.buckets),
            )
            examples = [
                {"source": source, "reference": reference, "prediction": prediction}
                for source, reference, prediction in zip(raw_validation[data.source_column], references, predictions)
            ]
            return metrics, examples

        return evaluate

    def record_inference_settings(self, model, recipe):
        """Generation settings, and the source prefix as `config.prefix`, which text-to-text pipelines put first.

        PyTorch's text-to-text pipelines put their own default of 256 new tokens above the
        model's `max_new_tokens`, but honour a model's `max_length`: for an encoder-decoder
        that counts the decoder's start token too, hence one more.
        """
        record_generation_settings(model, recipe)
        model.generation_config.max_length = recipe.generate.max_new_tokens + 1
        if recipe.data.source_prefix:
            model.config.prefix = recipe.data.source_prefix
