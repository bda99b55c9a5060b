"""`tfhf eval`: a saved run scored again on its validation split, and on a test split, without training."""

import json

import pytest

from tests.helpers import invoke, sample_pairs, without_timings, write_recipe
from tfhf.publish.run_dir import marker

pytestmark = pytest.mark.slow  # several exports or runs, over 15 s: CI runs it, `pytest -m "not slow"` skips it


def test_eval_of_a_run_repeats_its_validation_scores_and_scores_a_test_split(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rows = sample_pairs(200)
    for name, part in (("train", rows[:140]), ("validation", rows[140:170]), ("test", rows[170:])):
        (data / f"{name}.jsonl").write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in part))
    out = tmp_path / "run"
    assert invoke("run", write_recipe(tmp_path, data), "--output-dir", out).exit_code == 0
    trained = json.loads((out / "metrics.json").read_text())

    again = invoke("eval", out, "--output-dir", tmp_path / "eval-validation")
    assert again.exit_code == 0, again.output[-3000:]
    scored = json.loads((tmp_path / "eval-validation" / "metrics.json").read_text())
    assert (scored["task"], scored["split"], scored["model"]) == ("translation", "validation", str(out))
    assert without_timings(scored["eval"]) == without_timings(trained["after"])
    assert "== Training" not in again.output

    test = invoke("eval", out, "--split", "test", "--output-dir", tmp_path / "eval-test")
    assert test.exit_code == 0, test.output[-3000:]
    predictions = (tmp_path / "eval-test" / "predictions.jsonl").read_text().splitlines()
    assert [json.loads(line)["source"] for line in predictions] == [row["en"] for row in rows[170:]]
    assert marker(tmp_path / "eval-test")["task"] == "eval"

    refused = invoke("eval", out, "--output-dir", out)  # never over the run it scores
    assert refused.exit_code == 2 and "holds a 'translation' run, not 'eval'" in refused.stderr
