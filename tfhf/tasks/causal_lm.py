"""Causal language modelling (text-generation): train a GPT-2-style model, score perplexity.

Texts are tokenized, joined with the end-of-text token and cut into `block_size` blocks;
`DataCollatorForLanguageModeling(mlm=False)` makes the labels. Perplexity is measured
exactly over the validation blocks, and fixed prompts are completed with the XLA
generation path after training.
"""

from transformers import DataCollatorForLanguageModeling, TFAutoModelForCausalLM

from tfhf.data.streaming import training_token_ids
from tfhf.errors import TfhfError
from tfhf.model.generation import XlaGenerator, bucket_lengths
from tfhf.model.outputs import eval_batches
from tfhf.scores.baselines import unigram_perplexity
from tfhf.scores.metrics import perplexity
from tfhf.scores.token_loss import summed_token_loss
from tfhf.tasks.base import Labels, Task
from tfhf.tasks.chunking import group_texts, is_stream, map_batches
from tfhf.tasks.data_parts import TextData
from tfhf.tasks.generated_text import generation_defaults, predict_generated, record_generation_settings
from tfhf.tasks.usage import Usage


class CausalLMUsage(Usage):
    """What `tfhf predict` answers and the model card shows for a text-generation model."""

    name = "text-generation"
    architecture_suffixes = ("LMHeadModel", "ForCausalLM")
    usage_example = 'pipe("def read_config(path):")'

    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        return predict_generated(predictor, texts, options, seed, xla, output_key="generated_text")

    def pipeline_defaults(self, saved_recipe):
        return generation_defaults(saved_recipe)


class CausalLMTask(Task):
    name = "text-generation"
    usage = CausalLMUsage()
    loss_kind = "next_tokens"
    headline = "perplexity"
    model_class = TFAutoModelForCausalLM
    data_class = TextData
    tokenizer_style = "byte_level"
    labels = Labels(per_position=True)
    generates = True

    def columns(self, data):
        return [data.text_column]

    def text_columns(self, data):
        return [data.text_column]

    def tokenizer_corpus(self, split, data):
        yield from _kept(split, data)[data.text_column]

    def special_token_ids(self, tokenizer):
        return {
            "vocab_size": len(tokenizer),
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
        }

    def preprocess(self, split, tokenizer, data):
        """Blocks of `data.block_size` token ids; documents separated by the end-of-text token."""
        split = _kept(split, data)

        def tokenize(batch):
            ids = tokenizer(batch[data.text_column], add_special_tokens=False)["input_ids"]
            return {"input_ids": [row + [tokenizer.eos_token_id] for row in ids]}

        columns = split.column_names or [data.text_column]  # a stream's are those tfhf.data.streaming kept
        tokens = map_batches(split, tokenize, "tokenizing", data.num_proc, remove_columns=columns)
        blocks = map_batches(tokens, lambda batch: group_texts(batch, data.block_size), "grouping")
        if is_stream(blocks):  # a stream's length is unknown until read (tfhf.data.streaming)
            return blocks
        if len(blocks) == 0:
            total = sum(len(ids) for ids in tokens["input_ids"])
            raise TfhfError(
                f"the corpus in {data.path} has {total} tokens, fewer than one block (data.block_size={data.block_size})"
            )
        return blocks

    def collator(self, tokenizer, model, data):
        return DataCollatorForLanguageModeling(tokenizer, mlm=False, return_tensors="np")

    def baseline_scores(self, raw, tokenized, data, tokenizer):
        # each block's first token is no prediction: the model is scored on the ones after it
        scored = [ids[1:] for ids in tokenized["validation"]["input_ids"]]
        value = unigram_perplexity(training_token_ids(tokenized["train"]), scored, len(tokenizer))
        return [{"name": "unigram", "perplexity": value}] if value else []

    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        eval_set = eval_batches(
            model, tokenized_validation, recipe.eval.batch_size, self.collator(tokenizer, model, recipe.data)
        )

        def evaluate(phase):
            total_loss, tokens = summed_token_loss(model, eval_set, True, recipe.train.chunked_lm_loss)
            return {
                "perplexity": perplexity(total_loss, tokens),
                "loss": total_loss / tokens,
                "tokens": int(tokens),
            }, []

        return evaluate

    def showcase(self, model, tokenizer, recipe, phase="after", before=None):
        """generate.prompts completed with the XLA generation path."""
        if not recipe.generate.prompts:
            return []
        prompts = [tokenizer(prompt, add_special_tokens=False)["input_ids"] for prompt in recipe.generate.prompts]
        generator = XlaGenerator(
            model,
            tokenizer,
            buckets=bucket_lengths(recipe.generate.length_buckets, max(len(ids) for ids in prompts)),
            batch_size=len(prompts),
            max_new_tokens=recipe.generate.max_new_tokens,
            num_beams=recipe.generate.num_beams,
        )
        texts = generator.generate(prompts)
        return [{"prompt": prompt, "completion": text} for prompt, text in zip(recipe.generate.prompts, texts)]

    def record_inference_settings(self, model, recipe):
        record_generation_settings(model, recipe)


def _kept(split, data):
    """The examples that contain one of `data.keywords` (all when there are none)."""
    if not data.keywords:
        return split
    keep = lambda row: any(k in row[data.text_column] for k in data.keywords)
    if is_stream(split):
        return split.filter(keep)
    kept = split.filter(keep, desc="keyword filter")
    if len(kept) == 0:
        raise TfhfError(f"no example in {data.path} contains any of the keywords {list(data.keywords)}")
    return kept


CAUSAL_LM = CausalLMTask()
