"""Length settings set to 'auto': measured on the training split before training, capped by the model,
recorded in recipe.json; a bundled recipe pointed at other data measures them instead of keeping its own."""

import json
import math

import numpy as np
import pytest
from transformers import AutoTokenizer

from tests.helpers import TINY_DISTILBERT, run, write_task_recipe
from tfhf.errors import TfhfError
from tfhf.recipe import SAMPLES_DIR
from tfhf.recipe.loading import apply_overrides, load_recipe

RECIPES = SAMPLES_DIR.parents[1] / "recipes"


def emotion(folder, config=TINY_DISTILBERT):
    data = {
        "path": str(SAMPLES_DIR / "emotion"),
        "max_train_samples": 400,
        "max_eval_samples": 32,
        "max_length": "auto",
    }
    return write_task_recipe(folder, "text-classification", "ClassificationData", data, epochs=1, config=config)


@pytest.mark.slow  # two whole (tiny) runs
def test_auto_is_the_99th_percentile_of_the_training_lengths_rounded_up_and_capped_by_the_model(tmp_path):
    result = run(emotion(tmp_path), tmp_path / "run")
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "run" / "recipe.json").read_text())["data"]["max_length"]
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "run")
    texts = [json.loads(line)["text"] for line in (SAMPLES_DIR / "emotion" / "train.jsonl").open()][:400]
    # the run held out none of these: emotion has its own validation split
    measured = int(np.quantile([len(ids) for ids in tokenizer(texts)["input_ids"]], 0.99))
    assert saved == math.ceil(measured / 8) * 8
    assert (
        f"data.max_length=auto: {saved} tokens (the 99th percentile of split 'train' is {measured} tokens"
        in result.output
    )

    short = {**TINY_DISTILBERT, "max_position_embeddings": 16}
    (tmp_path / "capped").mkdir()
    capped = run(emotion(tmp_path / "capped", config=short), tmp_path / "capped" / "run", "generate.max_new_tokens=8")
    assert capped.exit_code == 0, capped.output
    assert json.loads((tmp_path / "capped" / "run" / "recipe.json").read_text())["data"]["max_length"] == 16
    assert "capped at the model's 16 positions" in capped.output


def test_a_bundled_recipe_pointed_at_other_data_measures_its_lengths_unless_they_are_set():
    translation = load_recipe(RECIPES / "translation.py")
    moved = apply_overrides(translation, ["data.path='pairs.jsonl'"])
    assert (moved.data.max_source_length, moved.data.max_target_length) == ("auto", "auto")
    kept = apply_overrides(translation, ["data.path='pairs.jsonl'", "data.max_source_length=40"])
    assert (kept.data.max_source_length, kept.data.max_target_length) == (40, "auto")
    assert apply_overrides(translation, []).data.max_source_length == 32  # its own sample: its own sizes
    qa = apply_overrides(load_recipe(RECIPES / "question_answering.py"), ["data.path='squad.jsonl'"])
    assert qa.data.max_length == 192  # question answering windows long contexts: nothing is cut


def test_a_length_is_a_number_of_tokens_or_auto():
    with pytest.raises(TfhfError, match="data.max_length expects a number of tokens or 'auto'; got 'autoo'"):
        apply_overrides(load_recipe(RECIPES / "text_classification.py"), ["data.max_length='autoo'"])
    with pytest.raises(TfhfError, match="data.max_length must be at least 1"):
        apply_overrides(load_recipe(RECIPES / "text_classification.py"), ["data.max_length=0"])
