"""Masked-LM domain adaptation (fill-mask): the course's DistilBERT-on-IMDb track.

Texts are tokenized keeping `word_ids`, concatenated and cut into `block_size` chunks.
Training masks afresh every batch (single tokens, or whole words). Evaluation masks the
validation chunks once, seeded, so perplexity before and after training is measured on
the same masked positions (the course's number fluctuates because it redraws them).
"""

import numpy as np
import tensorflow as tf
from transformers import DataCollatorForLanguageModeling, DefaultDataCollator, TFAutoModelForMaskedLM

from tfhf.data.streaming import training_token_ids
from tfhf.errors import TfhfError
from tfhf.model.outputs import eval_batches
from tfhf.scores.baselines import unigram_perplexity
from tfhf.scores.metrics import perplexity
from tfhf.scores.token_loss import summed_token_loss
from tfhf.tasks.base import Labels, Task, refuse_options
from tfhf.tasks.chunking import group_texts, is_stream, map_batches
from tfhf.tasks.data_parts import MaskedLMData
from tfhf.tasks.masking import WholeWordMaskCollator
from tfhf.tasks.usage import Usage

MASK_PLACEHOLDER = "[MASK]"


class MaskedLMUsage(Usage):
    """What `tfhf predict` answers and the model card shows for a fill-mask model."""

    name = "fill-mask"
    architecture_suffixes = ("ForMaskedLM",)
    usage_example = 'pipe(f"The screen is {pipe.tokenizer.mask_token} now.")'

    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        refuse_options(self.name, options, allowed=("top_k",))
        return [fills(predictor, text, options.get("top_k", 5)) for text in texts]


class MaskedLMTask(Task):
    name = "fill-mask"
    usage = MaskedLMUsage()
    headline = "perplexity"
    model_class = TFAutoModelForMaskedLM
    data_class = MaskedLMData
    labels = Labels(sparse=True)
    tokenizer_style = "wordpiece"

    def columns(self, data):
        return [data.text_column]

    def text_columns(self, data):
        return [data.text_column]

    def tokenizer_corpus(self, split, data):
        yield from split[data.text_column]

    def preprocess(self, split, tokenizer, data):
        if tokenizer.mask_token is None:
            raise TfhfError("the tokenizer has no mask token, so it cannot be used for masked-LM training")

        def tokenize(batch):
            encoded = tokenizer(batch[data.text_column])
            encoded["word_ids"] = [
                [-1 if w is None else w for w in encoded.word_ids(i)] for i in range(len(encoded["input_ids"]))
            ]
            return encoded

        columns = split.column_names or [data.text_column]  # a stream's are those tfhf.data.streaming kept
        tokens = map_batches(split, tokenize, "tokenizing", data.num_proc, remove_columns=columns)
        chunks = map_batches(tokens, lambda batch: group_texts(batch, data.block_size), "chunking")
        if is_stream(chunks):  # a stream's length is unknown until read (tfhf.data.streaming)
            return chunks
        if len(chunks) == 0:
            raise TfhfError(f"the corpus in {data.path} is shorter than one chunk (data.block_size={data.block_size})")
        return chunks

    def collator(self, tokenizer, model, data, rng=None):
        if data.whole_word_masking:
            return WholeWordMaskCollator(tokenizer, data.mlm_probability, rng=rng)
        random_tokens = DataCollatorForLanguageModeling(
            tokenizer, mlm_probability=data.mlm_probability, return_tensors="np"
        )
        return _DropWordIds(random_tokens)

    def baseline_scores(self, raw, tokenized, data, tokenizer):
        # over every non-special token: the masked ones are a random sample of them
        ids = training_token_ids(tokenized["train"]), tokenized["validation"]["input_ids"]
        value = unigram_perplexity(*ids, len(tokenizer), ignored=tokenizer.all_special_ids)
        return [{"name": "unigram", "perplexity": value}] if value else []

    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        data = recipe.data
        masked = fixed_masking(self.collator(tokenizer, model, data, rng=np.random.default_rng(recipe.train.seed)),
                               tokenized_validation, seed=recipe.train.seed)  # fmt: skip
        eval_set = eval_batches(model, masked, recipe.eval.batch_size, DefaultDataCollator(return_tensors="np"))

        def evaluate(phase):
            total_loss, tokens = summed_token_loss(model, eval_set, False, recipe.train.chunked_lm_loss)
            metrics = {
                "perplexity": perplexity(total_loss, tokens),
                "loss": total_loss / tokens,
                "masked_tokens": int(tokens),
            }
            return metrics, []

        return evaluate

    showcase_before = True

    def validate(self, recipe, log):
        for prompt in recipe.generate.prompts:
            if MASK_PLACEHOLDER not in prompt:
                raise TfhfError(f"generate.prompts: {prompt!r} has no {MASK_PLACEHOLDER} to fill")

    def showcase(self, model, tokenizer, recipe, phase="after", before=None):
        """The top fills of each generate.prompts sentence, beside those before training when there were."""
        sentences = [prompt.replace(MASK_PLACEHOLDER, tokenizer.mask_token) for prompt in recipe.generate.prompts]
        fills = fill_mask(model, tokenizer, sentences, recipe.data.fill_mask_top_k)
        earlier = before or [{} for _ in sentences]
        return [{**row, "sentence": sentence, phase: found} for row, sentence, found in zip(earlier, sentences, fills)]


def fills(predictor, text, top_k):
    """{text, fills: [{token, score, sequence}]} for a text with one mask token, from the fill-mask pipeline."""
    mask = predictor.tokenizer.mask_token
    if mask not in text:
        raise TfhfError(f"fill-mask needs the mask token {mask} in the text: {text!r}")
    found = predictor.pipeline(text, top_k=top_k)
    if found and isinstance(found[0], list):  # several masks: transformers returns a list per mask
        raise TfhfError(f"give one {mask} per text, not {text.count(mask)}")
    return {
        "text": text,
        "fills": [
            {"token": fill["token_str"], "score": round(float(fill["score"]), 4), "sequence": fill["sequence"]}
            for fill in found
        ],
    }


class _DropWordIds:
    """transformers' random-token collator, fed without the `word_ids` column it does not know."""

    def __init__(self, collator):
        self.collator = collator

    def __call__(self, rows):
        return self.collator([{k: v for k, v in row.items() if k != "word_ids"} for row in rows])


def fixed_masking(collator, chunks, seed):
    """The chunks masked once: columns input_ids, attention_mask, labels. Same seed, same positions."""
    np.random.seed(seed)  # transformers' NumPy collator draws from the global NumPy generator

    def mask(batch):
        rows = [dict(zip(batch, values)) for values in zip(*batch.values())]
        masked = collator(rows)
        return {
            key: [list(map(int, row)) for row in np.asarray(masked[key])]
            for key in ("input_ids", "attention_mask", "labels")
        }

    return chunks.map(mask, batched=True, batch_size=256, remove_columns=chunks.column_names, desc="masking once")


def fill_mask(model, tokenizer, sentences, top_k):
    """Per sentence, the top-k tokens (with probabilities) for its first mask."""
    results = []
    for sentence in sentences:
        encoded = tokenizer(sentence, return_tensors="np")
        positions = np.flatnonzero(encoded["input_ids"][0] == tokenizer.mask_token_id)
        if len(positions) == 0:
            raise TfhfError(f"prompt {sentence!r} has no {MASK_PLACEHOLDER} to fill")
        logits = tf.cast(model(dict(encoded), training=False).logits[0, positions[0]], tf.float32)
        probabilities = tf.nn.softmax(logits).numpy()
        best = np.argsort(-probabilities)[:top_k]
        results.append(
            [{"token": tokenizer.decode([i]).strip(), "score": round(float(probabilities[i]), 4)} for i in best]
        )
    return results


MASKED_LM = MaskedLMTask()
