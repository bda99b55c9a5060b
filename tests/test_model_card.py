"""The model card of a finished run: Hub metadata that parses, the run's metrics, a real curves image."""

import json
import subprocess
import sys

from huggingface_hub import ModelCard
from PIL import Image

from tests.helpers import run
from tfhf.publish.model_card import card_text


def test_a_finished_run_has_a_card_the_hub_can_read(tmp_path, tiny_recipe_file):
    out = tmp_path / "out"
    result = run(tiny_recipe_file, out, "eval.each_epoch=True", "train.epochs=2")
    assert result.exit_code == 0, result.output[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())

    card = ModelCard.load(out / "README.md")  # huggingface_hub's own parser of the YAML front matter
    assert card.data.pipeline_tag == "translation" and card.data.library_name == "transformers"
    [result] = card.data.eval_results
    assert (result.task_type, result.metric_type, result.metric_value) == (
        "translation",
        "bleu",
        metrics["after"]["bleu"],
    )
    assert f"| bleu | {round(metrics['before']['bleu'], 4)} | {round(metrics['after']['bleu'], 4)} |" in card.text
    assert "| metric | before training | after training | copy_source |" in card.text  # its baseline beside it
    # the data in words: what it was and how much of it, with the split it was scored on
    sizes = metrics["data"]
    assert sizes["train_examples"] + sizes["validation_examples"] == 120  # the tiny recipe's pairs, cut 90/10
    assert result.dataset_split == "train"  # no validation file: scored on a share held out of train
    assert (
        f"on the local data `pairs.jsonl`: {sizes['train_examples']} training examples, scored on "
        f"{sizes['validation_examples']} examples held out of split 'train' (10%, seed 42)" in card.text
    )
    assert "`train.learning_rate`: `0.001`" in card.text

    with Image.open(out / "training_curves.png") as image:
        assert image.format == "PNG" and image.size[0] > 100
        image.verify()
    tags = tensorboard_tags(out / "logs")
    assert {"epoch_loss", "batch_loss", "epoch_learning_rate"} <= tags.keys()  # Keras's, per logged step too
    steps = metrics["train"]["steps"]
    assert tags["validation/bleu"] == [0, steps // 2, steps, steps]  # before, two epochs, after
    # the loss curve at the run's steps: it goes on over the second epoch (fit restarts Keras's count)
    assert tags["batch_loss"] == sorted(set(tags["batch_loss"])) and steps // 2 < tags["batch_loss"][-1] <= steps
    # the curve's data: every step's own loss, whose epoch means are the epochs' losses
    step_loss = metrics["train"]["step_loss"]
    assert [step for step, _ in step_loss] == list(range(1, steps + 1))
    for epoch, epoch_loss in enumerate(metrics["train"]["loss"]):
        own = [loss for _, loss in step_loss[epoch * steps // 2 : (epoch + 1) * steps // 2]]
        assert abs(sum(own) / len(own) - epoch_loss) < 1e-3

    # The card's TensorFlow snippet runs as written, from the folder that holds the run.
    [tensorflow_snippet] = [block for block in code_blocks(card.text) if 'framework="tf"' in block]
    ran = subprocess.run(
        [sys.executable, "-c", tensorflow_snippet], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "translation_text" in ran.stdout


def tensorboard_tags(log_dir):
    """{tag: [steps]} of every scalar in the event files under `log_dir`."""
    import tensorflow as tf

    tags = {}
    for events in sorted(log_dir.rglob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(events)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append(int(event.step))
    return tags


def code_blocks(markdown):
    """The ```python blocks of a markdown text."""
    return [block.split("\n", 1)[1] for block in markdown.split("```")[1::2] if block.startswith("python")]


def test_a_fine_tuned_hub_model_names_its_base_model_and_dataset():
    recipe = {
        "task": "translation",
        "model": {"checkpoint": "Helsinki-NLP/opus-mt-en-fr", "config": {}},
        "data": {"path": "kde4"},
        "train": {"epochs": 3},
        "output": {"license": "apache-2.0", "languages": ["en", "fr"]},
    }
    data = {
        "train_examples": 189155,
        "validation_examples": 21018,
        "validation": "held out of split 'train' (10%, seed 20)",
    }
    scores = {"after": {"bleu": 52.9, "eval_seconds": 3.0, "tokens": 512}, "data": data}
    card = ModelCard(card_text(recipe, scores, "me/marian-kde4", False))
    assert (
        "for translation on the Hub dataset `kde4`: 189,155 training examples, scored on 21,018 examples held out "
        "of split 'train' (10%, seed 20) with tfhf" in card.text
    )
    assert card.data.base_model == "Helsinki-NLP/opus-mt-en-fr" and card.data.datasets == ["kde4"]
    assert card.data.license == "apache-2.0" and card.data.language == ["en", "fr"]
    results = [(r.metric_type, r.metric_name, r.metric_value) for r in card.data.eval_results]
    assert results == [("bleu", "bleu", 52.9)]  # no timings, no counts
