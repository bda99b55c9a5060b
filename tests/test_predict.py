"""`tfhf predict`: every task from a locally saved checkpoint, a run directory, generation options, bad input."""

import itertools
import json
import os
import subprocess
import sys

import pytest

from tests.helpers import TINY_DISTILBERT, TINY_GPT2, TINY_MARIAN, invoke, sample_pairs, save_checkpoint

CONTEXT = "The bakery on Mill Street was founded in 1902 by Ada Winter, who had learned the trade in the capital."

# task -> (architecture, head settings, the arguments of one prediction, what each result holds)
CASES = {
    "text-classification": (TINY_DISTILBERT, {"id2label": {0: "sad", 1: "happy"}}, ["So happy today!"], "labels"),
    "token-classification": (
        TINY_DISTILBERT, {"id2label": {0: "O", 1: "B-PER", 2: "I-PER"}}, ["Ada Winter lives in Carrow."], "entities",
    ),
    "question-answering": (TINY_DISTILBERT, {}, ["Who founded the bakery?", "--context", CONTEXT], "answer"),
    "fill-mask": (TINY_DISTILBERT, {}, ["The file is [MASK] now.", "--top-k", "3"], "fills"),
    "text-generation": (TINY_GPT2, {}, ["Open the", "--max-new-tokens", "5"], "outputs"),
    "translation": (TINY_MARIAN, {}, ["Open the file", "--max-new-tokens", "5"], "outputs"),
}  # fmt: skip


def predict(*args, input=None):
    return invoke("predict", *map(str, args), input=input)


def json_lines(result):
    assert result.exit_code == 0, result.output[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("task_name", list(CASES))
def test_each_task_predicts_from_a_saved_checkpoint_and_infers_its_task(tmp_path, task_name):
    architecture, head, arguments, key = CASES[task_name]
    folder = save_checkpoint(tmp_path / "model", task_name, architecture, head)
    [result] = json_lines(predict(folder, *arguments))
    assert key in result
    if task_name == "text-classification":
        assert {item["label"] for item in result["labels"]} == {"sad", "happy"}
        assert sum(item["score"] for item in result["labels"]) == pytest.approx(1, abs=1e-3)
    if task_name == "question-answering":
        assert CONTEXT[result["start"] : result["end"]] == result["answer"]
    if task_name == "fill-mask":
        assert len(result["fills"]) == 3
    if task_name == "token-classification":
        for entity in result["entities"]:
            assert entity["entity_group"] == "PER" and set(entity) == {"entity_group", "score", "word", "start", "end"}


@pytest.fixture(scope="module")
def translation_run(tmp_path_factory):
    """The output directory of a shrunk translation run (recipe.json names the task)."""
    from tests.helpers import write_recipe

    folder = tmp_path_factory.mktemp("run")
    pairs = folder / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(pair, ensure_ascii=False) + "\n" for pair in sample_pairs(120)))
    out = folder / "out"
    result = invoke("run", str(write_recipe(folder, pairs)), "--output-dir", out)
    assert result.exit_code == 0, result.output[-3000:]
    return out


@pytest.mark.parametrize(
    "options, outputs",
    [
        ([], 1),  # greedy, the run's generate settings
        (["--num-beams", "3", "--num-return-sequences", "2"], 2),
        (["--do-sample", "--temperature", "0.7", "--top-k", "20", "--seed", "3"], 1),
        (["--do-sample", "--top-p", "0.9", "--num-return-sequences", "2", "--seed", "3"], 2),
        (["--repetition-penalty", "1.3", "--no-repeat-ngram-size", "2"], 1),
        (["--penalty-alpha", "0.6", "--top-k", "4"], 1),  # contrastive search
        (["--num-beams", "2", "--length-penalty", "1.5", "--min-new-tokens", "3"], 1),
        (["--batch-size", "2"], 1),
    ],
)
def test_generation_strategies_on_a_run_directory(translation_run, options, outputs):
    results = json_lines(predict(translation_run, "Open the file", "Save the document", *options))
    assert [result["input"] for result in results] == ["Open the file", "Save the document"]
    assert all(len(result["outputs"]) == outputs for result in results)
    if "--seed" in options:  # seeded sampling repeats
        assert json_lines(predict(translation_run, "Open the file", "Save the document", *options)) == results


def test_min_new_tokens_lengthens_and_diverse_beams_are_refused_by_name(translation_run):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(translation_run)
    [result] = json_lines(predict(translation_run, "Open", "--min-new-tokens", "6", "--max-new-tokens", "6"))
    assert len(tokenizer(result["outputs"][0], add_special_tokens=False)["input_ids"]) >= 5  # 6 minus the ends' merges
    refused = predict(translation_run, "Open", "--num-beams", "4", "--num-beam-groups", "2")
    assert refused.exit_code == 2 and "exists only in PyTorch's generate" in refused.stderr
    refused = predict(translation_run, "Open", "--penalty-alpha", "0.6")
    assert refused.exit_code == 2 and "give --top-k too" in refused.stderr


def test_no_repeat_ngram_size_keeps_bigrams_unique(translation_run):
    [result] = json_lines(
        predict(translation_run, "Open the file", "--no-repeat-ngram-size", "2", "--max-new-tokens", "16")
    )
    from transformers import AutoTokenizer

    tokens = AutoTokenizer.from_pretrained(translation_run)(result["outputs"][0], add_special_tokens=False)["input_ids"]
    bigrams = list(itertools.pairwise(tokens))
    assert len(bigrams) == len(set(bigrams))


def test_texts_come_from_a_file_or_standard_input(tmp_path, translation_run):
    texts = tmp_path / "texts.txt"
    texts.write_text("Open the file\n\nSave the document\n")
    from_file = json_lines(predict(translation_run, "--file", texts))
    from_stdin = json_lines(predict(translation_run, input="Open the file\nSave the document\n"))
    assert [r["input"] for r in from_file] == [r["input"] for r in from_stdin] == ["Open the file", "Save the document"]
    assert from_file == from_stdin


def one_line_error(result):
    assert result.exit_code == 2, result.output[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfhf: error: "), result.stderr
    return lines[0]


def test_bad_input_is_one_line_exit_2(tmp_path, translation_run):
    (tmp_path / "empty").mkdir()
    assert "input 1 is empty" in one_line_error(predict(translation_run, "  "))
    assert "No such option '--bogus'" in one_line_error(predict(translation_run, "Open", "--bogus"))
    assert "has no config.json" in one_line_error(predict(tmp_path / "empty", "Open"))
    assert "--temperature applies to sampling" in one_line_error(predict(translation_run, "Open", "--temperature", "2"))
    assert "no texts in" in one_line_error(predict(translation_run, input="\n\n"))


def test_task_specific_mistakes_are_named(tmp_path):
    qa = save_checkpoint(tmp_path / "qa", "question-answering", TINY_DISTILBERT, {})
    assert "needs --context" in one_line_error(predict(qa, "Who founded the bakery?"))
    fill = save_checkpoint(tmp_path / "fill", "fill-mask", TINY_DISTILBERT, {})
    assert "needs the mask token [MASK]" in one_line_error(predict(fill, "No mask here."))
    classifier = save_checkpoint(tmp_path / "cls", "text-classification", TINY_DISTILBERT, {})
    assert "takes no generation options" in one_line_error(predict(classifier, "Hi", "--num-beams", "2"))


def test_xla_generation_matches_eager_and_refuses_what_xla_cannot_run(translation_run):
    texts = ["Open the file", "Save the document now please"]
    assert json_lines(predict(translation_run, *texts, "--xla")) == json_lines(predict(translation_run, *texts))
    sampled = ["--xla", "--do-sample", "--top-k", "20", "--seed", "5"]
    assert json_lines(predict(translation_run, *texts, *sampled)) == json_lines(
        predict(translation_run, *texts, *sampled)
    )
    error = one_line_error(predict(translation_run, "Open", "--xla", "--no-repeat-ngram-size", "2"))
    assert "--no-repeat-ngram-size is not supported under XLA" in error


def test_a_hub_id_loads_from_the_hub_cache_offline(tmp_path):
    """The Hub code path without the network: a model id resolved through huggingface_hub's cache layout."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hf" / "hub" / "models--someone--tiny-classifier"
    save_checkpoint(
        repo / "snapshots" / commit, "text-classification", TINY_DISTILBERT, {"id2label": {0: "no", 1: "yes"}}
    )
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    env = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    env.update({"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"})
    args = [sys.executable, "-m", "tfhf.cli", "predict", "someone/tiny-classifier", "Is it cached?"]
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    [line] = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {item["label"] for item in line["labels"]} == {"no", "yes"}

    args[4] = "someone/not-cached"
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "tfhf: error: model config 'someone/not-cached' is not in the Hub cache, and the Hub is out of reach"
        )
    )


def test_the_modules_predict_loads_import_no_scoring_library_and_no_datasets():
    # tfhf predict imports the task modules; what only training and scoring use waits until they run.
    training_only = ("datasets", "rouge_score", "nltk", "seqeval", "sacrebleu")
    code = (
        "import sys; import tfhf.commands.predict, tfhf.model.loading, tfhf.tasks; "
        f"print([name for name in {training_only!r} if name in sys.modules])"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert ran.stdout.strip().splitlines()[-1] == "[]", ran.stdout


def test_xla_programs_compiled_by_one_predict_are_loaded_by_the_next(tmp_path, translation_run):
    cache = tmp_path / "xla"
    env = {**os.environ, "TFHF_XLA_CACHE": str(cache)}
    args = [sys.executable, "-m", "tfhf.cli", "predict", str(translation_run), "Open the file", "--xla"]

    def run():
        return subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=300)

    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    programs = sorted(cache.rglob("*.pb"))
    assert programs, "the first process wrote no compiled program"
    written = {path: path.stat().st_mtime_ns for path in programs}
    second = run()
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stdout == first.stdout
    assert {path: path.stat().st_mtime_ns for path in cache.rglob("*.pb")} == written  # loaded, not compiled again

    for path in programs:  # cut short, as a full disk might leave it
        path.write_bytes(path.read_bytes()[:64])
    damaged = run()
    assert damaged.returncode == 2, damaged.stderr[-3000:]
    assert damaged.stderr.strip().splitlines()[-1].startswith(f"tfhf: error: XLA's compile cache {cache}")


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("task_name", ["text-classification", "token-classification"])
def test_many_texts_are_answered_in_batches_as_the_pipeline_answers_each(tmp_path, monkeypatch, task_name, compiled):
    """transformers' TF pipelines run one text per forward pass; tfhf pads batches of them (compiled when there
    are many) and must give the answers the pipeline gives each text alone."""
    from tfhf.commands.predict import Predictor
    from tfhf.model import pipeline_batches

    monkeypatch.setattr(pipeline_batches, "COMPILE_FROM_BATCHES", 1 if compiled else 1000)

    architecture, head, _, _ = CASES[task_name]
    folder = save_checkpoint(tmp_path / "model", task_name, architecture, head)
    words = ["Ada", "Winter", "moved", "from", "Carrow", "to", "Paris", "with", "her", "bakery", "and", "its", "ovens"]
    texts = [" ".join(words[: 1 + index % len(words)]) for index in range(40)]  # 40 texts: two batches, 13 lengths
    predictor = Predictor(folder)
    batched = predictor(texts)
    options = {"top_k": None} if task_name == "text-classification" else {"aggregation_strategy": "simple"}
    for text, answer in zip(texts, batched):
        alone = predictor.pipeline(text, **options)
        if task_name == "text-classification":
            assert [item["label"] for item in answer["labels"]] == [item["label"] for item in alone]
            for item, expected in zip(answer["labels"], alone):
                assert item["score"] == pytest.approx(expected["score"], abs=1e-4)
        else:
            assert [(e["word"], e["start"], e["end"]) for e in answer["entities"]] == [
                (e["word"], e["start"], e["end"]) for e in alone
            ]


def test_a_classifier_truncates_long_texts_to_its_training_length_instead_of_refusing_them(tmp_path):
    architecture, head, _, _ = CASES["text-classification"]
    folder = save_checkpoint(tmp_path / "model", "text-classification", architecture, head)
    (folder / "recipe.json").write_text(json.dumps({"task": "text-classification", "data": {"max_length": 16}}))
    long_text = "so happy today " * 400  # far past the model's positions
    [result] = json_lines(predict(folder, long_text))
    assert {item["label"] for item in result["labels"]} == {"sad", "happy"}
    (folder / "recipe.json").unlink()  # without the training length, the pipeline would not cut: refused by name
    assert "tokens long; this model reads at most" in one_line_error(predict(folder, long_text))
