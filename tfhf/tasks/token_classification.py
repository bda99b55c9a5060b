"""Token classification (NER): one IOB2 tag per word, learned per subword token (the course's CoNLL track).

Word tags are aligned to subword tokens: special tokens get -100 (ignored by the loss);
a word's first subword gets its tag; the others get it too with B- turned into I- (or
-100 with `label_all_subwords=False`). Scoring is entity-level seqeval on words: each
word's prediction is its first subword's (a word cut off by `max_length` counts as "O"),
so the numbers are comparable to CoNLL's word-level ones however words are split.
"""

from transformers import DataCollatorForTokenClassification, TFAutoModelForTokenClassification, pipeline

from tfhf.data.length_report import LengthLimit
from tfhf.errors import TfhfError
from tfhf.model.outputs import batch_outputs, eval_batches, inference_function
from tfhf.model.pipeline_batches import run_in_batches
from tfhf.scores.baselines import tag_per_word
from tfhf.scores.metrics import entity_scores
from tfhf.tasks.base import Labels, Task, refuse_options
from tfhf.tasks.data_parts import TokenClassificationData
from tfhf.tasks.labels import head_config, to_id, with_label_names
from tfhf.tasks.usage import PREDICT_BATCH_SIZE, Usage


class TokenClassificationUsage(Usage):
    """What `tfhf predict` answers and the model card shows for a token-classification model."""

    name = "token-classification"
    architecture_suffixes = ("ForTokenClassification",)
    usage_example = 'pipe("Ada Winter moved from Carrow to Paris.")'

    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        refuse_options(self.name, options)
        found = run_in_batches(predictor.pipeline, list(texts), PREDICT_BATCH_SIZE, aggregation_strategy="simple")
        return [{"entities": entities(one)} for one in found]


class TokenClassificationTask(Task):
    name = "token-classification"
    usage = TokenClassificationUsage()
    headline = "overall_f1"
    model_class = TFAutoModelForTokenClassification
    data_class = TokenClassificationData
    tokenizer_style = "wordpiece_cased"
    labels = Labels(classes=True, per_position=True)

    def columns(self, data):
        return [data.tokens_column, data.tags_column]

    def resolve(self, data, raw):
        for split_name, split in raw.items():
            for row, (tokens, tags) in enumerate(zip(split[data.tokens_column], split[data.tags_column])):
                if len(tokens) != len(tags):
                    raise TfhfError(
                        f"split {split_name!r}, row {row}: {len(tokens)} words in column {data.tokens_column!r} "
                        f"but {len(tags)} tags in column {data.tags_column!r}"
                    )
        return with_label_names(data, raw, data.tags_column, per_word=True)

    def head_config(self, data):
        return head_config(data.label_names)

    def tokenizer_corpus(self, split, data):
        for words in split[data.tokens_column]:
            yield " ".join(words)

    def preprocess(self, split, tokenizer, data):
        """input_ids, attention_mask, token labels, and word_ids (kept for word-level scoring)."""
        continuation = inside_ids(data.label_names)

        def tokenize(batch):
            features = tokenizer(
                batch[data.tokens_column], is_split_into_words=True, truncation=True, max_length=data.max_length
            )
            features["labels"], features["word_ids"] = [], []
            for i, tags in enumerate(batch[data.tags_column]):
                word_ids = features.word_ids(i)
                tag_ids = [to_id(tag, data.label_names) for tag in tags]
                features["labels"].append(align_labels(tag_ids, word_ids, continuation, data.label_all_subwords))
                features["word_ids"].append([-1 if word is None else word for word in word_ids])
            return features

        return split.map(
            tokenize, batched=True, remove_columns=split.column_names, desc="tokenizing", num_proc=data.num_proc
        )

    def length_limits(self, data):
        def sentences(tokenizer, rows):
            return tokenizer(rows[data.tokens_column], is_split_into_words=True)["input_ids"]

        return [LengthLimit("data.max_length", data.max_length, sentences)]

    def collator(self, tokenizer, model, data):
        # prepare_tf_dataset passes only the model's inputs and labels, so word_ids never reach it
        return DataCollatorForTokenClassification(tokenizer, label_pad_token_id=-100, return_tensors="np")

    def baseline_scores(self, raw, tokenized, data, tokenizer):
        def tags(split):
            return [[_name(tag, data.label_names) for tag in row] for row in split[data.tags_column]]

        train, validation = raw["train"], raw["validation"]
        predictions = tag_per_word(train[data.tokens_column], tags(train), validation[data.tokens_column])
        return [{"name": "tag_per_word", **entity_scores(predictions, tags(validation))}]

    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        data = recipe.data
        features = tokenized_validation.remove_columns(["labels", "word_ids"])
        eval_set = eval_batches(model, features, recipe.eval.batch_size, self.collator(tokenizer, model, data))
        forward = inference_function(model)
        references = [[_name(tag, data.label_names) for tag in tags] for tags in raw_validation[data.tags_column]]
        word_ids = tokenized_validation["word_ids"]

        def evaluate(phase):
            token_predictions = (row for out in batch_outputs(forward, eval_set) for row in out["logits"].argmax(-1))
            predictions = [
                word_tags(ids, words, len(reference), data.label_names)
                for ids, words, reference in zip(token_predictions, word_ids, references)
            ]
            rows = [
                {"tokens": tokens, "reference": reference, "prediction": prediction}
                for tokens, reference, prediction in zip(raw_validation[data.tokens_column], references, predictions)
            ]
            return entity_scores(predictions, references), rows

        return evaluate

    def showcase(self, model, tokenizer, recipe, phase="after", before=None):
        if not recipe.data.predict_texts:
            return []
        # dtype=None: the default "auto" makes pipeline() look the dtype up in torch, which is not installed
        tagger = pipeline(
            self.name, model=model, tokenizer=tokenizer, framework="tf", dtype=None, aggregation_strategy="simple"
        )
        return grouped_entities(tagger, recipe.data.predict_texts)


def inside_ids(names):
    """For each label id, the id a continuation subword gets: B-X -> I-X (when I-X exists), others unchanged."""
    return [
        names.index("I-" + name[2:]) if name.startswith("B-") and "I-" + name[2:] in names else i
        for i, name in enumerate(names)
    ]


def align_labels(tag_ids, word_ids, continuation, label_all_subwords):
    """Token labels from word tags: -100 on special tokens (and continuations unless `label_all_subwords`)."""
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(-100)
        elif word != previous:
            labels.append(tag_ids[word])
        else:
            labels.append(continuation[tag_ids[word]] if label_all_subwords else -100)
        previous = word
    return labels


def word_tags(token_predictions, word_ids, word_count, names):
    """Per word, the tag predicted for its first subword; words cut off by truncation are 'O'."""
    tags = ["O"] * word_count
    previous = -1
    for prediction, word in zip(token_predictions, word_ids):
        if word != -1 and word != previous:
            tags[word] = names[int(prediction)]
        previous = word
    return tags


def grouped_entities(tagger, texts):
    """The pipeline's aggregation_strategy='simple' entities per text: group, score, word, start, end."""
    return [{"text": text, "entities": entities(tagger(text))} for text in texts]


def entities(found):
    """The token-classification pipeline's grouped entities as JSON-able dicts."""
    return [
        {
            "entity_group": entity["entity_group"],
            "score": round(float(entity["score"]), 4),
            "word": entity["word"],
            "start": int(entity["start"]),
            "end": int(entity["end"]),
        }
        for entity in found
    ]


def _name(tag, names):
    return tag if isinstance(tag, str) else names[tag]


TOKEN_CLASSIFICATION = TokenClassificationTask()
