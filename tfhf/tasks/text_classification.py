"""Text classification: one text or a pair of texts -> one label (the course's emotion and MRPC tracks).

Label names come from the data or the recipe (tfhf.tasks.labels) and are saved in the model's
config as id2label/label2id, so the saved model reports names, not ids. Scored with
accuracy and F1 (binary for two classes, macro for more); after training, the texts in
`data.predict_texts` are labelled and saved with the run.
"""

import numpy as np
import tensorflow as tf
from transformers import DataCollatorWithPadding, TFAutoModelForSequenceClassification

from tfhf.data.length_report import LengthLimit
from tfhf.errors import TfhfError
from tfhf.model.outputs import batch_outputs, eval_batches, inference_function
from tfhf.model.pipeline_batches import run_in_batches
from tfhf.scores.baselines import majority_class, tfidf_logistic_regression
from tfhf.scores.metrics import classification_scores
from tfhf.tasks.base import Labels, Task, refuse_options
from tfhf.tasks.data_parts import ClassificationData
from tfhf.tasks.labels import head_config, to_id, with_label_names
from tfhf.tasks.usage import PREDICT_BATCH_SIZE, Usage


class TextClassificationUsage(Usage):
    """What `tfhf predict` answers and the model card shows for a text-classification model."""

    name = "text-classification"
    architecture_suffixes = ("ForSequenceClassification",)
    usage_example = 'pipe("I am so happy today!")'

    def pipeline_defaults(self, saved_recipe):
        """The evaluation's truncation: a text longer than data.max_length was scored on its first tokens."""
        max_length = saved_recipe.get("data", {}).get("max_length")
        return {"truncation": True, "max_length": max_length} if max_length else {}

    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        """With `context`, each text is scored as a pair with it (text, context), as MRPC-style models need."""
        refuse_options(self.name, options)
        inputs = [{"text": t, "text_pair": context} if context else t for t in texts]
        found = run_in_batches(predictor.pipeline, inputs, PREDICT_BATCH_SIZE, top_k=None, **predictor.defaults)
        return [
            {"labels": [{"label": s["label"], "score": round(float(s["score"]), 4)} for s in scores]}
            for scores in found
        ]


class TextClassificationTask(Task):
    name = "text-classification"
    usage = TextClassificationUsage()
    loss_kind = "sequence"
    headline = "accuracy"
    buckets_by_default = True
    model_class = TFAutoModelForSequenceClassification
    data_class = ClassificationData
    tokenizer_style = "wordpiece"
    labels = Labels(classes=True)

    def columns(self, data):
        return [*self.text_columns(data), data.label_column]

    def text_columns(self, data):
        return [data.text_column] + ([data.text_pair_column] if data.text_pair_column else [])

    def validate(self, recipe, log):
        data = recipe.data
        for text in data.predict_texts:
            is_pair = isinstance(text, tuple | list) and len(text) == 2 and all(isinstance(t, str) for t in text)
            if data.text_pair_column and not is_pair:
                raise TfhfError(
                    f"data.predict_texts: with data.text_pair_column, give (text, pair) tuples, not {text!r}"
                )
            if not data.text_pair_column and not isinstance(text, str):
                raise TfhfError(f"data.predict_texts: give plain texts (or set data.text_pair_column), not {text!r}")

    def resolve(self, data, raw):
        return with_label_names(data, raw, data.label_column)

    def head_config(self, data):
        return head_config(data.label_names)

    def tokenizer_corpus(self, split, data):
        for column in self.columns(data)[:-1]:
            yield from split[column]

    def preprocess(self, split, tokenizer, data):
        def tokenize(batch):
            pairs = batch[data.text_pair_column] if data.text_pair_column else None
            features = tokenizer(batch[data.text_column], pairs, truncation=True, max_length=data.max_length)
            features["labels"] = [to_id(value, data.label_names) for value in batch[data.label_column]]
            return features

        return split.map(
            tokenize, batched=True, remove_columns=split.column_names, desc="tokenizing", num_proc=data.num_proc
        )

    def length_limits(self, data):
        def texts(tokenizer, rows):
            pairs = rows[data.text_pair_column] if data.text_pair_column else None
            return tokenizer(rows[data.text_column], pairs)["input_ids"]

        return [LengthLimit("data.max_length", data.max_length, texts)]

    def collator(self, tokenizer, model, data):
        return DataCollatorWithPadding(tokenizer, return_tensors="np")

    def baseline_scores(self, raw, tokenized, data, tokenizer):
        def labels(split):
            return [to_id(value, data.label_names) for value in split[data.label_column]]

        def texts(split):
            if not data.text_pair_column:
                return split[data.text_column]
            return [f"{a} {b}" for a, b in zip(split[data.text_column], split[data.text_pair_column])]

        train, validation = raw["train"], raw["validation"]
        references, count = labels(validation), len(data.label_names)
        scored = [
            {
                "name": "majority_class",
                **classification_scores(majority_class(labels(train), len(validation)), references, count),
            }
        ]
        predictions = tfidf_logistic_regression(texts(train), labels(train), texts(validation))
        if predictions is not None:
            scored.append(
                {"name": "tfidf_logistic_regression", **classification_scores(predictions, references, count)}
            )
        return scored

    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        data = recipe.data
        features = tokenized_validation.remove_columns("labels")
        eval_set = eval_batches(model, features, recipe.eval.batch_size, self.collator(tokenizer, model, data))
        labels = np.asarray(tokenized_validation["labels"])
        forward = inference_function(model)
        texts = raw_validation[data.text_column]
        if data.text_pair_column:
            texts = [list(pair) for pair in zip(texts, raw_validation[data.text_pair_column])]

        def evaluate(phase):
            """(scores, one row per validation example: text, reference and predicted label, its probability)."""
            logits = np.concatenate([outputs["logits"] for outputs in batch_outputs(forward, eval_set)])
            predicted = logits.argmax(-1)
            probabilities = tf.nn.softmax(tf.cast(logits, tf.float32)).numpy()
            names = data.label_names
            rows = [
                {"text": text, "reference": names[gold], "prediction": names[guess], "score": round(float(p[guess]), 4)}
                for text, gold, guess, p in zip(texts, labels, predicted, probabilities)
            ]
            return classification_scores(predicted, labels, len(names)), rows

        return evaluate

    def showcase(self, model, tokenizer, recipe, phase="after", before=None):
        return predict(model, tokenizer, recipe.data.predict_texts, recipe.data)


def predict(model, tokenizer, texts, data):
    """[{text, label, score, scores}] for texts (or (text, pair) tuples), label names from the config."""
    if not texts:
        return []
    firsts = [text[0] for text in texts] if data.text_pair_column else list(texts)
    pairs = [text[1] for text in texts] if data.text_pair_column else None
    encoded = tokenizer(firsts, pairs, truncation=True, max_length=data.max_length, padding=True, return_tensors="np")
    logits = tf.cast(model(dict(encoded), training=False).logits, tf.float32)
    probabilities = tf.nn.softmax(logits).numpy()
    id2label = model.config.id2label
    return [
        {
            "text": text if isinstance(text, str) else list(text),
            "label": id2label[int(row.argmax())],
            "score": round(float(row.max()), 4),
            "scores": {id2label[i]: round(float(p), 4) for i, p in enumerate(row)},
        }
        for text, row in zip(texts, probabilities)
    ]


TEXT_CLASSIFICATION = TextClassificationTask()
