"""Recipe files, dotted overrides and their type checks (no TensorFlow needed)."""

from pathlib import Path

import pytest

from tfhf.errors import TfhfError
from tfhf.recipe import Recipe, Seq2SeqData
from tfhf.recipe.loading import apply_overrides, load_recipe, summary
from tfhf.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
RECIPES = sorted((ROOT / "recipes").glob("*.py"))
COURSE_RECIPES = sorted((ROOT / "recipes" / "course").glob("*.py"))  # Hub ids: run in tests/test_course_setups.py


def test_every_bundled_recipe_loads_and_names_a_known_task():
    assert RECIPES, "recipes/ is empty"
    for path in RECIPES:
        recipe = load_recipe(path)
        assert recipe.task in TASKS, path
        assert isinstance(recipe.data, TASKS[recipe.task].data_class), path
        assert Path(recipe.data.path).exists() or "/" in recipe.data.path, path


def test_every_course_recipe_loads_and_each_bundled_recipe_points_at_its_own():
    assert len(COURSE_RECIPES) == 9
    for path in COURSE_RECIPES:
        recipe = load_recipe(path)
        assert isinstance(recipe.data, TASKS[recipe.task].data_class), path
        assert not Path(recipe.data.path).exists(), path  # a Hub id, not a local file
    pointed_at = {
        line.split()[-1] for path in RECIPES for line in path.read_text().splitlines() if "recipes/course/" in line
    }
    assert pointed_at == {path.relative_to(ROOT).as_posix() for path in COURSE_RECIPES}


def test_every_bundled_recipe_opens_with_the_command_to_run_it():
    for path in RECIPES + COURSE_RECIPES:
        assert f"tfhf run {path.relative_to(ROOT).as_posix()}" in path.read_text().split('"""')[1], path


def test_overrides_parse_literals_and_keep_types(tiny_recipe_file):
    recipe = load_recipe(tiny_recipe_file)
    changed = apply_overrides(
        recipe,
        [
            "train.learning_rate=3e-5",
            "data.max_source_length=64",
            "train.epochs=2",
            "generate.length_buckets=[8, 24]",
            "model.checkpoint=Helsinki-NLP/opus-mt-en-fr",
            "data.max_train_samples=None",
            "runtime.deterministic=false",
            "data.load_kwargs={'lang1': 'en', 'lang2': 'fr'}",
        ],
    )
    assert changed.train.learning_rate == 3e-5
    assert changed.data.max_source_length == 64
    assert changed.generate.length_buckets == (8, 24)
    assert changed.model.checkpoint == "Helsinki-NLP/opus-mt-en-fr"
    assert changed.runtime.deterministic is False
    assert changed.data.load_kwargs == {"lang1": "en", "lang2": "fr"}
    assert isinstance(changed.data, Seq2SeqData)
    # the original is untouched
    assert recipe.train.learning_rate == 1e-3 and recipe.model.checkpoint is None


def test_an_int_is_accepted_where_a_float_is_expected(tiny_recipe_file):
    changed = apply_overrides(load_recipe(tiny_recipe_file), ["train.learning_rate=1"])
    assert changed.train.learning_rate == 1.0 and isinstance(changed.train.learning_rate, float)


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.learnig_rate=3e-5", "unknown recipe key 'train.learnig_rate'; did you mean train.learning_rate?"),
        ("data.max_source_lenght=64", "did you mean data.max_source_length?"),
        ("train.epochs=three", "train.epochs expects int; got 'three'"),
        ("train.epochs=2.5", "train.epochs expects int; got 2.5"),
        ("runtime.deterministic=1", "runtime.deterministic expects bool; got 1"),
        ("train.epochs=None", "train.epochs cannot be None"),
        ("runtime.precision=float16", "runtime.precision must be one of auto, float32, mixed_float16, mixed_bfloat16"),
        ("train.epochs", "is not of the form key=value"),
    ],
)
def test_bad_overrides_are_refused_with_the_key_named(tiny_recipe_file, override, message):
    with pytest.raises(TfhfError, match=None) as error:
        apply_overrides(load_recipe(tiny_recipe_file), [override])
    assert message in str(error.value)


def test_load_recipe_errors_name_the_file(tmp_path):
    with pytest.raises(TfhfError, match="recipe file not found"):
        load_recipe(tmp_path / "nope.py")
    broken = tmp_path / "broken.py"
    broken.write_text("recipe = Recipe(\n")
    with pytest.raises(TfhfError, match=r"syntax error in recipe .*broken.py, line 1"):
        load_recipe(broken)
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(TfhfError, match="defines no `recipe`"):
        load_recipe(empty)
    wrong = tmp_path / "wrong.py"
    wrong.write_text("recipe = {'task': 'translation'}\n")
    with pytest.raises(TfhfError, match="is a dict, not a tfhf.recipe.Recipe"):
        load_recipe(wrong)


def test_summary_and_to_dict_show_every_part(tiny_recipe_file):
    recipe = load_recipe(tiny_recipe_file)
    text = summary(recipe)
    for part in ("task:", "model:", "data:", "train:", "eval:", "generate:", "runtime:", "output:"):
        assert part in text
    as_dict = recipe.to_dict()
    assert as_dict["train"]["epochs"] == 1 and as_dict["task"] == "translation"
    assert isinstance(Recipe(task="translation", model=recipe.model, data=recipe.data).train.seed, int)


def test_a_recipes_example_inputs_are_dropped_when_the_data_changes_but_not_when_set():
    recipe = load_recipe(RECIPES[0].with_name("text_classification.py"))
    assert recipe.data.predict_texts  # the emotion demo sentences
    on_user_data = apply_overrides(recipe, ["data.path=sections.csv"])
    assert on_user_data.data.predict_texts == ()  # emotion sentences are not scored as package sections
    kept = apply_overrides(recipe, ["data.path=sections.csv", "data.predict_texts=('An audio player.',)"])
    assert kept.data.predict_texts == ("An audio player.",)
    assert apply_overrides(recipe, ["train.epochs=1"]).data.predict_texts == recipe.data.predict_texts
