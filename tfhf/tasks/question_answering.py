"""Extractive question answering: find the answer span in a context (the course's SQuAD track).

Training and validation examples become overlapping windows (tfhf.tasks.qa_windows); the
model predicts start and end logits per token; answers are read back per example over
all its windows and scored with SQuAD v1.1 exact match and F1 (tfhf.scores.squad), taking the
best of several reference answers. After training, `data.predict_questions` are
answered with the transformers pipeline, which windows long contexts the same way.
"""

from transformers import DataCollatorWithPadding, TFAutoModelForQuestionAnswering

from tfhf.errors import TfhfError
from tfhf.model.outputs import batch_outputs, eval_batches, inference_function
from tfhf.scores.baselines import best_overlap_sentence, first_sentence_answer
from tfhf.scores.squad import squad_scores
from tfhf.tasks.base import Task, refuse_options
from tfhf.tasks.data_parts import QuestionAnsweringData
from tfhf.tasks.qa_windows import best_answers, windows
from tfhf.tasks.usage import Usage

WINDOW_COLUMNS = ("example_index", "offset_mapping", "start_positions", "end_positions")


class QuestionAnsweringUsage(Usage):
    """What `tfhf predict` answers and the model card shows for a question-answering model."""

    name = "question-answering"
    architecture_suffixes = ("ForQuestionAnswering",)
    windows_long_inputs = True
    usage_example = 'pipe(question="Who founded the bakery?", context="The bakery was founded in 1902 by Ada Winter.")'

    def predict(self, predictor, texts, options, context=None, seed=None, xla=False):
        refuse_options(self.name, options)
        if not context or not context.strip():
            raise TfhfError("question-answering needs --context: the text the answer is taken from")
        return [
            {
                "question": question,
                **found_answer(predictor.pipeline(question=question, context=context, **predictor.defaults)),
            }
            for question in texts
        ]

    def pytorch_usage(self, name, recipe):
        """The model itself: transformers 5 has no question-answering pipeline."""
        return f"""import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("{name}")
model = AutoModelForQuestionAnswering.from_pretrained("{name}")
question, context = "Who founded the bakery?", "The bakery was founded in 1902 by Ada Winter."
inputs = tokenizer(question, context, return_tensors="pt", truncation="only_second", max_length={recipe["data"]["max_length"]})
with torch.no_grad():
    outputs = model(**inputs)
start, end = int(outputs.start_logits.argmax()), int(outputs.end_logits.argmax())
print(tokenizer.decode(inputs["input_ids"][0, start : max(start, end) + 1]))
"""

    def pipeline_defaults(self, saved_recipe):
        data = saved_recipe.get("data", {})
        defaults = {
            "max_seq_len": data.get("max_length"),
            "doc_stride": data.get("stride"),
            "max_answer_len": data.get("max_answer_length"),
        }
        return {key: value for key, value in defaults.items() if value is not None}


class QuestionAnsweringTask(Task):
    name = "question-answering"
    usage = QuestionAnsweringUsage()
    loss_kind = "model"
    headline = "f1"
    model_class = TFAutoModelForQuestionAnswering
    data_class = QuestionAnsweringData
    tokenizer_style = "wordpiece_cased"

    def columns(self, data):
        # load_splits flattens the SQuAD answers dict into two columns
        return [data.question_column, data.context_column, *answer_columns(data)]

    def text_columns(self, data):
        return [data.question_column, data.context_column]

    def validate(self, recipe, log):
        data = recipe.data
        if data.stride >= data.max_length // 2:  # windows must advance by more than they share
            raise TfhfError(f"data.stride={data.stride} must be under half of data.max_length={data.max_length}")
        for pair in data.predict_questions:
            if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
                raise TfhfError(f"data.predict_questions: give (question, context) pairs, not {pair!r}")

    def resolve(self, data, raw):
        """Checks that every answer is where its answer_start says, in every split."""
        texts_column, starts_column = answer_columns(data)
        for split_name, split in raw.items():
            rows = zip(split[data.context_column], split[texts_column], split[starts_column])
            for row, (context, texts, starts) in enumerate(rows):
                if not texts or len(texts) != len(starts):
                    raise TfhfError(
                        f"split {split_name!r}, row {row}: column {data.answers_column!r} needs as many "
                        f"answer_start values as answer texts, and at least one (got {len(texts)} and {len(starts)})"
                    )
                for text, start in zip(texts, starts):
                    found = context[start : start + len(text)]
                    if found != text:
                        raise TfhfError(
                            f"split {split_name!r}, row {row}: answer {text!r} is not at answer_start {start} "
                            f"of column {data.context_column!r} (found {found!r})"
                        )
        return data

    def tokenizer_corpus(self, split, data):
        yield from split[data.question_column]
        # Each context once: SQuAD-style data asks several questions of one context (the
        # sample about 8), and counting its words once per question only slows the training.
        yield from dict.fromkeys(split[data.context_column])

    def preprocess(self, split, tokenizer, data):
        """One row per window: model inputs, start/end_positions, and the example and offsets to read answers."""
        texts_column, starts_column = answer_columns(data)

        def tokenize(batch, indices):
            features = windows(
                tokenizer,
                batch[data.question_column],
                batch[data.context_column],
                batch[starts_column],
                batch[texts_column],
                data.max_length,
                data.stride,
            )
            # windows() numbers examples within the batch; datasets.map gives their numbers in the split
            features["example_index"] = [indices[i] for i in features["example_index"]]
            return features

        return split.map(
            tokenize,
            batched=True,
            with_indices=True,
            remove_columns=split.column_names,
            desc="windowing",
            num_proc=data.num_proc,
        )

    def collator(self, tokenizer, model, data):
        return DataCollatorWithPadding(tokenizer, return_tensors="np")

    def baseline_scores(self, raw, tokenized, data, tokenizer):
        validation = raw["validation"]
        questions, contexts = validation[data.question_column], validation[data.context_column]
        references = validation[answer_columns(data)[0]]
        return [
            {
                "name": baseline.__name__,
                **squad_scores([baseline(q, c) for q, c in zip(questions, contexts)], references),
            }
            for baseline in (first_sentence_answer, best_overlap_sentence)
        ]

    def evaluator(self, model, tokenizer, recipe, raw_validation, tokenized_validation):
        data = recipe.data
        features = tokenized_validation.remove_columns(list(WINDOW_COLUMNS))
        eval_set = eval_batches(model, features, recipe.eval.batch_size, self.collator(tokenizer, model, data))
        forward = inference_function(model, names=("start_logits", "end_logits"))
        contexts = raw_validation[data.context_column]
        references = raw_validation[answer_columns(data)[0]]
        example_index = tokenized_validation["example_index"]
        offset_mapping = tokenized_validation["offset_mapping"]

        def evaluate(phase):
            outputs = list(batch_outputs(forward, eval_set))
            starts = [row for out in outputs for row in out["start_logits"]]
            ends = [row for out in outputs for row in out["end_logits"]]
            predictions = best_answers(
                starts, ends, example_index, offset_mapping, contexts, data.n_best, data.max_answer_length
            )
            metrics = {
                **squad_scores(predictions, references),
                "questions": len(contexts),
                "windows": len(example_index),
            }
            return metrics, []

        return evaluate

    def showcase(self, model, tokenizer, recipe, phase="after", before=None):
        if not recipe.data.predict_questions:
            return []
        return answer_questions(self.usage.pipeline(model, tokenizer), recipe.data)


def answer_columns(data):
    return f"{data.answers_column}.text", f"{data.answers_column}.answer_start"


def answer_questions(answerer, data):
    """[{question, context, answer, score, start, end}] for the recipe's (question, context) pairs."""
    results = []
    for question, context in data.predict_questions:
        answer = answerer(
            question=question,
            context=context,
            max_seq_len=data.max_length,
            doc_stride=data.stride,
            max_answer_len=data.max_answer_length,
        )
        results.append({"question": question, "context": context, **found_answer(answer)})
    return results


def found_answer(answer):
    """The question-answering pipeline's answer as a JSON-able dict: answer, score, start, end."""
    return {
        "answer": answer["answer"],
        "score": round(float(answer["score"]), 4),
        "start": int(answer["start"]),
        "end": int(answer["end"]),
    }


QUESTION_ANSWERING = QuestionAnsweringTask()
