"""Bad and hostile input found by a probe: each is one line, a known exit code, nothing run or written."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from tests.helpers import TINY_DISTILBERT, TINY_MARIAN, invoke, save_checkpoint
from tfhf.errors import TfhfError
from tfhf.publish.run_dir import MARKER
from tfhf.recipe.loading import apply_overrides, load_recipe


def assert_one_line(result, message, code=2):
    """The run ended with `code` and one line holding `message` (tokenization's progress bars and the notes
    announcing XLA compilations aside: they are progress, written before the error)."""
    assert result.exit_code == code, result.output
    progress = ("tokenizing", "compiling generate with XLA")
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(progress)]
    assert len(lines) == 1, result.stderr
    assert message in lines[0], result.stderr
    assert "Traceback" not in result.output


def recipe_file(folder, train="", model=f"Model(config={TINY_MARIAN!r})", extra="", data="pairs.jsonl"):
    path = folder / "recipe.py"
    path.write_text(
        textwrap.dedent(
            f"""
            from tfhf.recipe import Model, Recipe, Seq2SeqData, Train
            {extra}
            recipe = Recipe(task="translation", model={model},
                            data=Seq2SeqData(path={str(data)!r}, source_column="en", target_column="fr"),
                            train=Train({train}))
            """
        )
    )
    return path


@pytest.mark.parametrize(
    ("train", "model", "message"),
    [
        ('epochs="3"', None, "train.epochs expects int; got '3'"),
        ("epochs=1.5", None, "train.epochs expects int; got 1.5"),
        ('learning_rate="1e-3"', None, "train.learning_rate expects float; got '1e-3'"),
        ("batch_size=0", None, "train.batch_size must be at least 1; got 0"),
        ("", "None", "model must be tfhf.recipe.Model(...), not NoneType"),
        ("", "Model(tokenizer_vocab_size=1)", "model.tokenizer_vocab_size must be at least 100; got 1"),
    ],
)
def test_a_mistyped_value_in_a_recipe_file_is_one_line(tmp_path, train, model, message):
    path = recipe_file(tmp_path, train, **({"model": model} if model else {}))
    with pytest.raises(TfhfError, match="^" + f"recipe {path}: {message}".replace("(", r"\(").replace(")", r"\)")):
        load_recipe(path)
    assert_one_line(invoke("run", path), message)


@pytest.mark.parametrize("statement", ["import sys; sys.exit(0)", "raise KeyboardInterrupt"])
def test_a_recipe_file_that_exits_or_interrupts_is_refused(tmp_path, statement):
    path = recipe_file(tmp_path, extra=statement)
    name = "SystemExit" if "exit" in statement else "KeyboardInterrupt"
    assert_one_line(invoke("run", path), f"raised {name} while loading; it should only define `recipe`")


def test_settings_that_size_a_resource_are_bounded(tiny_recipe_file):
    recipe = load_recipe(tiny_recipe_file)
    with pytest.raises(TfhfError, match="runtime.op_threads must be at most 256; got 100000"):
        apply_overrides(recipe, ["runtime.op_threads=100000"])
    with pytest.raises(TfhfError, match="runtime.cpu_devices must be at most 64"):
        apply_overrides(recipe, ["runtime.cpu_devices=1000"])
    with pytest.raises(TfhfError, match="generate.num_beams must be at most 64; got 100000"):
        apply_overrides(recipe, ["generate.num_beams=100000"])
    with pytest.raises(TfhfError, match="eval.batch_size must be at most 65536"):
        apply_overrides(recipe, ["eval.batch_size=10**9".replace("10**9", "1000000000")])


def test_a_nested_dict_entry_can_be_overridden_and_is_still_checked(tiny_recipe_file):
    recipe = apply_overrides(
        load_recipe(tiny_recipe_file), ["model.config.d_model=32", "model.config.decoder_layers=2"]
    )
    assert recipe.model.config == {**TINY_MARIAN, "d_model": 32, "decoder_layers": 2}
    with pytest.raises(TfhfError, match="unknown recipe key 'train.epochs.x'"):
        apply_overrides(recipe, ["train.epochs.x=1"])


def test_recipe_parts_are_frozen(tiny_recipe_file):
    recipe = load_recipe(tiny_recipe_file)
    with pytest.raises(AttributeError):
        recipe.train.epochs = 9


EVIL_CODE = "open(__file__ + '.ran', 'w').write('imported')\n"


def evil_folder(tmp_path, task_name="text-classification", model_type="evil"):
    """A real tiny checkpoint whose config and tokenizer config point at Python code in the folder.

    With a model_type transformers does not know, the model cannot load without that code.
    """
    folder = save_checkpoint(tmp_path / "evil", task_name, TINY_DISTILBERT, {"id2label": {0: "a", 1: "b"}})
    (folder / "evil.py").write_text(EVIL_CODE)
    for name in ("config.json", "tokenizer_config.json"):
        config = json.loads((folder / name).read_text())
        config["auto_map"] = {"AutoConfig": "evil.EvilConfig", "AutoTokenizer": ["evil.EvilTokenizer", None]}
        config["model_type"] = model_type
        (folder / name).write_text(json.dumps(config))
    return folder


def test_predict_never_imports_a_folders_code_even_when_the_prompt_is_answered(tmp_path):
    folder = evil_folder(tmp_path)
    result = invoke("predict", folder, "hello", input="y\ny\n")
    assert_one_line(result, "needs Python code from its own files to load")
    assert "--trust-remote-code" in result.stderr
    assert not (folder / "evil.py.ran").exists()


def test_a_known_architecture_that_also_ships_code_loads_without_running_it(tmp_path):
    folder = evil_folder(tmp_path, model_type="distilbert")
    result = invoke("predict", folder, "hello")
    assert result.exit_code == 0, result.output
    assert not (folder / "evil.py.ran").exists()


def test_a_recipe_checkpoint_with_code_is_refused_before_training(tmp_path, pairs_file):
    folder = evil_folder(tmp_path)
    path = recipe_file(tmp_path, "epochs=1", model=f"Model(checkpoint={str(folder)!r})", data=pairs_file)
    result = invoke("run", path, "--output-dir", tmp_path / "out")
    assert_one_line(result, "model.trust_remote_code=True")
    assert not (folder / "evil.py.ran").exists() and not (tmp_path / "out").exists()


def test_the_installed_command_refuses_code_with_yes_on_stdin(tmp_path):
    folder = evil_folder(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "tfhf.cli", "predict", str(folder), "hello"],
        input="y\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "needs Python code" in result.stderr
    assert not (folder / "evil.py.ran").exists()


@pytest.fixture
def classifier(tmp_path):
    return save_checkpoint(
        tmp_path / "classifier", "text-classification", TINY_DISTILBERT, {"id2label": {0: "a", 1: "b"}}
    )


@pytest.mark.parametrize(
    ("recipe_json", "message"),
    [
        ('{"task": "fill-mask"}', "says task 'fill-mask', but the model is a DistilBertForSequenceClassification"),
        ('{"task": "question-answering"}', "says task 'question-answering', but the model is a"),
        ("[1, 2]", "is not a tfhf recipe (a JSON list"),
        ('"text"', "is not a tfhf recipe (a JSON str"),
    ],
)
def test_predict_refuses_a_recipe_json_that_contradicts_the_model(classifier, recipe_json, message):
    (classifier / "recipe.json").write_text(recipe_json)
    assert_one_line(invoke("predict", classifier, "hello"), message)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--num-beams", "0"], "--num-beams must be at least 1; got 0"),
        (["--temperature", "0"], "--temperature must be greater than 0"),
        (["--top-p", "1.5"], "--top-p must be at most 1"),
    ],
)
def test_predict_refuses_impossible_generation_options_before_loading(tmp_path, option, message):
    assert_one_line(invoke("predict", tmp_path / "not-even-a-model", "hello", *option), message)


def test_a_truncated_or_foreign_safetensors_file_is_one_line(classifier):
    from tfhf.model.loading import load_pretrained_model
    from tfhf.tasks import TASKS

    model_class = TASKS["text-classification"].model_class
    h5 = classifier / "tf_model.h5"
    h5.unlink()
    weights = classifier / "model.safetensors"
    save_file({"other.weight": np.zeros((2, 2), np.float32)}, str(weights), metadata={"format": "pt"})
    with pytest.raises(TfhfError, match=r"model.safetensors has no weights for \d+ of the \d+ weights"):
        load_pretrained_model(model_class, str(classifier))
    weights.write_bytes(weights.read_bytes()[:20])
    with pytest.raises(TfhfError, match="could not load model from"):
        load_pretrained_model(model_class, str(classifier))


def test_a_tokenizer_folder_without_its_vocabulary_is_one_line(classifier):
    for name in ("tokenizer.json", "vocab.txt"):
        (classifier / name).unlink(missing_ok=True)
    assert_one_line(invoke("predict", classifier, "hello"), f"could not load tokenizer from {classifier}")


def test_an_unexpected_failure_is_one_line_pointing_at_the_traceback(tmp_path, monkeypatch):
    import tfhf.recipe.loading

    def broken(path):
        raise RuntimeError("something tfhf did not foresee\nsecond line")

    monkeypatch.setattr(tfhf.recipe.loading, "load_recipe", broken)
    result = invoke("keys", tmp_path / "any.py")
    assert result.exit_code == 1
    assert result.stderr.startswith("tfhf: internal error: RuntimeError: something tfhf did not foresee (traceback: ")
    report = result.stderr.rsplit("(traceback: ", 1)[1].rstrip(")\n")
    with open(report) as f:
        assert "Traceback" in f.read() and result.stderr.count("\n") == 1


def write_rows(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def pairs(count=40, **override):
    return [{"en": f"open file {i}", "fr": f"ouvrir le fichier {i}", **override} for i in range(count)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (pairs(39) + [{"en": None, "fr": "x"}], "column 'en' (data.source_column) of data file"),
        (pairs(40, fr=3), "column 'fr' (data.target_column) of data file"),
        (pairs(40, en=["a", "list"]), "holds list values, not text; point data.source_column at a text column"),
    ],
)
def test_text_columns_that_hold_no_text_are_refused_naming_the_setting(tmp_path, rows, message):
    data = write_rows(tmp_path / "pairs.jsonl", rows)
    path = recipe_file(tmp_path, data=data)
    result = invoke("run", path, "--output-dir", tmp_path / "out")
    assert_one_line(result, message)
    assert not (tmp_path / "out").exists()


def test_a_null_in_a_text_column_names_its_row(tmp_path):
    from tfhf.data.splits import load_splits
    from tfhf.recipe import Seq2SeqData

    data = write_rows(tmp_path / "pairs.jsonl", pairs(10) + [{"en": None, "fr": "x"}] + pairs(5))
    spec = Seq2SeqData(path=str(data), source_column="en", target_column="fr", validation_fraction=0.5)
    with pytest.raises(TfhfError, match=r"is empty \(null\) at row \d+; fill or drop such rows"):
        load_splits(spec, ["en", "fr"], seed=0, text_columns=["en", "fr"])


def test_a_missing_column_names_the_setting_that_picks_it(tmp_path):
    from tfhf.data.splits import load_splits
    from tfhf.recipe import ClassificationData

    data = write_rows(tmp_path / "rows.jsonl", [{"text": "a", "category": 1}] * 10)
    with pytest.raises(TfhfError, match=r"has no column 'label' \(columns: text, category\); set data.label_column"):
        load_splits(ClassificationData(path=str(data)), ["text", "label"], seed=0)


def test_a_list_valued_label_is_refused_for_text_classification(tmp_path):
    data = write_rows(tmp_path / "rows.jsonl", [{"text": f"t {i}", "label": [0, 1]} for i in range(20)])
    path = tmp_path / "classify.py"
    path.write_text(
        "from tfhf.recipe import ClassificationData, Model, Recipe\n"
        f"recipe = Recipe(task='text-classification', model=Model(config={TINY_DISTILBERT!r}),\n"
        f"                data=ClassificationData(path={str(data)!r}))\n"
    )
    assert_one_line(invoke("run", path, "--output-dir", tmp_path / "out"), "holds lists of labels")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_csv_header_repeated_mid_file_is_refused(tmp_path):
    from tfhf.data.files import check_text_file

    data = tmp_path / "rows.csv"
    data.write_text("text,label\na,x\nb,y\ntext,label\nc,x\n")
    with pytest.raises(TfhfError, match=r"rows.csv line 4 repeats the header \(text, label\)"):
        check_text_file(data)


def test_a_looping_link_in_a_data_folder_is_refused(tmp_path):
    from tfhf.data.splits import load_splits
    from tfhf.recipe import Seq2SeqData, TextData

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "train.jsonl").symlink_to(folder / "train.jsonl")
    with pytest.raises(TfhfError, match="train.jsonl is not a readable file"):
        load_splits(Seq2SeqData(path=str(folder), source_column="en", target_column="fr"), ["en", "fr"], seed=0)
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in "abcd":
        (docs / f"{name}.py").write_text("x = 1\n")
    (docs / "loop").symlink_to(docs)
    try:
        splits = load_splits(TextData(path=str(docs), file_pattern="**/*.py", validation_fraction=0.5), ["text"], 0)
    except TfhfError as error:
        assert "cannot be searched" in str(error)
    else:
        assert len(splits["train"]) + len(splits["validation"]) >= 1


def test_load_kwargs_reach_a_local_json_document(tmp_path):
    from tfhf.data.splits import load_splits
    from tfhf.recipe import Seq2SeqData

    data = tmp_path / "nested.json"
    data.write_text(json.dumps({"version": 1, "rows": pairs(10)}))
    spec = Seq2SeqData(path=str(data), source_column="en", target_column="fr", load_kwargs={"field": "rows"})
    splits = load_splits(spec, ["en", "fr"], seed=0)
    assert len(splits["train"]) + len(splits["validation"]) == 10


def test_a_huge_word_is_cut_for_tokenizer_training_with_a_warning():
    from tfhf.data.tokenizer_training import LONGEST_WORD, train_tokenizer

    lines = []
    texts = ["open the file"] * 50 + ["x" * 200_000 + " tail"]
    tokenizer = train_tokenizer(iter(texts), 300, log=lines.append)
    assert lines == [
        f"warning: 1 word(s) longer than {LONGEST_WORD} characters were cut to that length for the tokenizer"
    ]
    assert max(len(token) for token in tokenizer.get_vocab()) <= LONGEST_WORD + 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "bert", "hidden_size": 16}, "a 'bert' model cannot do this task"),
        ({**TINY_MARIAN, "d_model": 15}, "model.config"),
        ({**TINY_MARIAN, "vocab_size": 99}, "model.config sets vocab_size, which tfhf takes from the tokenizer"),
    ],
)
def test_a_model_config_that_cannot_build_is_one_line(tmp_path, pairs_file, config, message):
    path = recipe_file(
        tmp_path, "epochs=1", model=f"Model(config={config!r}, tokenizer_vocab_size=300)", data=pairs_file
    )
    assert_one_line(invoke("run", path, "--output-dir", tmp_path / "out"), message)
    assert not (tmp_path / "out").exists()


def test_a_length_beyond_the_models_positions_is_refused_before_training(tmp_path, pairs_file):
    path = recipe_file(
        tmp_path, "epochs=1", model=f"Model(config={TINY_MARIAN!r}, tokenizer_vocab_size=300)", data=pairs_file
    )
    result = invoke("run", path, "--output-dir", tmp_path / "out", "--set", "data.max_source_length=100")
    assert_one_line(result, "data.max_source_length=100 is longer than the model's 64 positions")
    assert not (tmp_path / "out").exists()


def test_predict_refuses_a_text_longer_than_the_models_positions(classifier):
    assert_one_line(
        invoke("predict", classifier, "word " * 600), "tokens long; this model reads at most 512: shorten it"
    )


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_a_full_disk_while_saving_is_one_line_and_loses_nothing(tmp_path, tiny_recipe_file, monkeypatch):
    import errno

    import tfhf.run.finish

    out = tmp_path / "run"
    assert invoke("run", tiny_recipe_file, "--output-dir", out).exit_code == 0
    published = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file() and path.name != MARKER}

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tfhf.run.finish, "write_json", disk_full)  # while publishing the second run
    result = invoke("run", tiny_recipe_file, "--output-dir", out, "--set", "train.seed=5")
    assert_one_line(result, "the disk is full while writing")
    assert {
        path.name: path.read_bytes() for path in out.iterdir() if path.is_file() and path.name != MARKER
    } == published
    assert not list(tmp_path.glob(".run.*"))


def test_a_read_only_output_dir_is_refused_before_any_work(tmp_path, tiny_recipe_file, monkeypatch):
    import tfhf.publish.run_dir

    out = tmp_path / "run"
    out.mkdir()
    real_access = tfhf.publish.run_dir.os.access

    # As a read-only mount answers (root ignores permission bits, so they cannot show it here).
    def access(path, mode):
        return not (Path(path) == out and mode & os.W_OK) and real_access(path, mode)

    monkeypatch.setattr(tfhf.publish.run_dir.os, "access", access)
    result = invoke("run", tiny_recipe_file, "--output-dir", out)
    assert_one_line(result, f"output directory {out} is not writable; choose another --output-dir")
    assert "== Data" not in result.output  # refused before the data was read


def test_a_mistyped_data_path_is_refused_with_the_closest_name_before_tensorflow_loads(tmp_path, pairs_file):
    recipe = recipe_file(tmp_path)
    typo = str(pairs_file).replace("pairs.jsonl", "pairs.jsnol")
    code = (
        "import sys\nfrom tfhf.cli import main\n"
        f"sys.argv = ['tfhf', 'run', {str(recipe)!r}, '--set', 'data.path={typo}']\n"
        "try: main()\nexcept SystemExit as stop: print('exit', stop.code)\n"
        "print('tensorflow' in sys.modules)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert ran.stderr == f"tfhf: error: data file not found: {typo} (data.path); did you mean {pairs_file}?\n"
    assert ran.stdout.split() == ["exit", "2", "False"]


def test_a_bare_file_name_one_letter_off_is_a_typo_of_the_file_here_not_a_hub_id(tmp_path, pairs_file):
    recipe = recipe_file(tmp_path)
    code = f"import sys\nfrom tfhf.cli import main\nsys.argv = ['tfhf', 'run', {str(recipe)!r}, '--set', 'data.path=pairs.jsnl']\nmain()"
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=pairs_file.parent
    )
    assert ran.stderr == "tfhf: error: data file not found: pairs.jsnl (data.path); did you mean pairs.jsonl?\n"
    assert ran.returncode == 2


def snapshot(folder):
    """{relative path: bytes} of every file below `folder`."""
    return {path: path.read_bytes() for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def classification_rows(count, long_every=0, words=3000):
    """Labelled texts; every `long_every`-th one `words` words long."""
    rows = []
    for i in range(count):
        text = " ".join(["lang"] * words) if long_every and i % long_every == 0 else f"short text number {i}"
        rows.append({"text": text, "label": i % 2})
    return rows


def classification_recipe(folder, rows):
    data = write_rows(folder / "texts.jsonl", rows)
    path = folder / "classify.py"
    path.write_text(
        "from tfhf.recipe import ClassificationData, Model, Recipe, Train\n"
        f"recipe = Recipe(task='text-classification', model=Model(config={TINY_DISTILBERT!r}, tokenizer_vocab_size=300),\n"
        f"                data=ClassificationData(path={str(data)!r}), train=Train(epochs=1, batch_size=8))\n"
    )
    return path


def test_auto_lengths_of_a_from_scratch_model_are_capped_at_its_default_positions_and_say_so(tmp_path):
    recipe = classification_recipe(tmp_path, classification_rows(60, long_every=20))  # 5% of the texts are long
    result = invoke("doctor", recipe, "--set", "data.max_length='auto'")
    assert "data.max_length=auto: 512 tokens" in result.output, result.output[-3000:]
    assert "capped at the model's 512 positions" in result.output


def test_a_max_length_the_special_tokens_fill_is_refused(tmp_path):
    recipe = classification_recipe(tmp_path, classification_rows(40))
    before = snapshot(tmp_path)
    result = invoke("run", recipe, "--output-dir", tmp_path / "out", "--set", "data.max_length=1")
    assert_one_line(result, "data.max_length=1 leaves no room for text: the tokenizer adds 2 special token(s)")
    assert snapshot(tmp_path) == before


def test_a_model_config_that_fails_transformers_own_assert_names_the_model_config(tmp_path):
    recipe = classification_recipe(tmp_path, classification_rows(40))
    before = snapshot(tmp_path)
    result = invoke("run", recipe, "--output-dir", tmp_path / "out", "--set", "model.config.n_heads=3")
    assert_one_line(result, "model.config cannot build a 'distilbert' model: ")
    assert "change the model.config keys it names" in result.stderr
    assert snapshot(tmp_path) == before


def test_a_checkpoint_whose_tokenizer_json_is_not_json_names_the_file(classifier):
    (classifier / "tokenizer.json").write_text("not json {")
    before = snapshot(classifier)
    result = invoke("predict", classifier, "hello")
    assert_one_line(result, f"{classifier / 'tokenizer.json'} is not valid JSON")
    assert snapshot(classifier) == before


def test_a_fifo_as_data_path_is_refused_as_a_local_path_never_looked_up_on_the_hub(tmp_path):
    fifo = tmp_path / "pairs.jsonl"
    os.mkfifo(fifo)
    recipe = recipe_file(tmp_path, "epochs=1", data=fifo)
    before = sorted(tmp_path.iterdir())
    result = invoke("run", recipe, "--output-dir", tmp_path / "out")
    assert_one_line(result, f"data.path {fifo} is not a regular file or folder (a pipe, socket or device)")
    assert "Hub" not in result.stderr and sorted(tmp_path.iterdir()) == before


def test_labels_of_mixed_types_are_refused_naming_the_column(tmp_path):
    rows = [{"text": f"text {i}", "label": "1" if i % 2 else 1} for i in range(40)]  # datasets reads "1" as 1
    recipe = classification_recipe(tmp_path, rows)
    before = snapshot(tmp_path)
    result = invoke("run", recipe, "--output-dir", tmp_path / "out")
    assert_one_line(result, "column 'label' mixes label types (numbers and strings, such as 1 and \"1\")")
    assert snapshot(tmp_path) == before


def test_a_missing_label_names_its_split_row_and_file(tmp_path):
    rows = [{"text": f"text {i}", "label": ["no", "yes"][i % 2]} for i in range(40)]
    rows[7]["label"] = None
    recipe = classification_recipe(tmp_path, rows)
    result = invoke("run", recipe, "--output-dir", tmp_path / "out")
    assert_one_line(result, "column 'label', split ")
    assert ": label None is outside" in result.stderr and f"(data.path {tmp_path / 'texts.jsonl'})" in result.stderr
