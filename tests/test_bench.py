"""`tfhf bench`: a shrunk benchmark of the tiny translation recipe, and the pieces its numbers come from."""

import json
import sysconfig

import numpy as np
import pytest

from tests.helpers import TINY_GPT2, invoke, tiny_translation_setup, write_task_recipe
from tfhf.commands.bench import build_pipelines, matmul_peak, training_flops_per_token
from tfhf.commands.bench_step import StepClock, describe_step, gap_percent, measure_training_step
from tfhf.recipe.loading import apply_overrides, load_recipe
from tfhf.runtime import distribution
from tfhf.runtime import start as runtime
from tfhf.train import preparation


@pytest.mark.slow  # 15 to 50 s here: CI runs it, `pytest -m "not slow"` skips it
def test_bench_writes_every_measurement_and_a_table(tmp_path, tiny_recipe_file):
    output = tmp_path / "bench.json"
    # No --steps: each round is one epoch, 108 training pairs (120 less a tenth held out) in batches of 16.
    arguments = ["--warmup", "2", "--rounds", "1", "--eager-batches", "1", "--output", str(output)]
    arguments += ["--eval-batch-sizes", "3, 5"]
    result = invoke("bench", tiny_recipe_file, *arguments)
    assert result.exit_code == 0, result.output
    results = json.loads(output.read_text())
    base, ours = results["baseline"], results["tfhf"]
    assert results["settings"]["steps_per_round"] == 108 // 16
    for measured in (base, ours):
        assert measured["steps_per_second"] > 0 and measured["target_tokens_per_second"] > 0
        assert measured["pipeline_batches_per_second"] > 0
        assert 0 < measured["padding_efficiency"] <= 1
        assert len(measured["rounds"]) == 1
    assert ours["padding_efficiency"] >= base["padding_efficiency"]
    assert ours["distinct_batch_shapes"] <= len(ours["length_buckets"]["inputs"])
    assert 0 < results["model_flop_utilisation"]["tfhf"] < 1
    loop = results["metric_loop"]
    assert loop["evaluations"][1]["compilations_so_far"] <= loop["bucket_count"]
    assert loop["xla_speedup"] > 0 and loop["eager_examples_per_second"] > 0
    # The sweep: the recipe's own batch size and each one asked for, each with its own compiled generator.
    by_size = results["metric_loop_by_eval_batch_size"]
    assert [each["batch_size"] for each in by_size] == sorted({3, 5, loop["batch_size"]})
    for each in by_size:
        assert each["evaluations"][1]["compilations_so_far"] <= each["bucket_count"]
        assert each["xla_speedup"] > 0
    assert "eval batch    5: XLA" in result.output
    assert "padding efficiency" in result.output and "x the baseline" in result.output
    assert_training_step_figures(results["training_step"], timed_steps=108 // 16)
    assert len(results["training_step"]["rounds"]) == 1
    assert results["training_step"]["train_step"] == "the model's own train_step (transformers)"
    assert "training step alone (compiled, batches in memory) " in result.output
    assert "in fit as tfhf run runs it " in result.output
    assert "the gap is what fit adds around the step" in result.output


def assert_training_step_figures(step, timed_steps):
    """Both figures positive, the gap computed from them; `timed_steps` steps alone, fewer in fit (one per epoch is
    not timed). No timing thresholds: this machine is shared."""
    assert step["alone_ms_per_step"] > 0 and step["in_fit_ms_per_step"] > 0
    assert step["gap_percent"] == gap_percent(step["alone_ms_per_step"], step["in_fit_ms_per_step"])
    assert step["gap_percent"] == pytest.approx(
        100 * (step["in_fit_ms_per_step"] - step["alone_ms_per_step"]) / step["in_fit_ms_per_step"], abs=0.05
    )
    assert step["steps_timed"]["alone"] == timed_steps
    assert 0 < step["steps_timed"]["in_fit"] <= timed_steps
    assert step["gap"]


def test_the_training_step_timed_is_the_one_the_run_installs(tmp_path):
    # A GPT-2 language model with accumulation: tfhf's own step (chunked loss, two micro-batches) is timed, alone
    # and in the run's own loop with its callbacks, in two rounds of 2 warm-up and 3 timed steps.
    data = {"path": sysconfig.get_paths()["stdlib"], "file_pattern": "*.py", "max_train_samples": 6,
            "max_eval_samples": 2, "block_size": 32}  # fmt: skip
    recipe_file = write_task_recipe(tmp_path, "text-generation", "TextData", data, config=TINY_GPT2)
    recipe = apply_overrides(
        load_recipe(recipe_file), ["train.gradient_accumulation_steps=2", "train.chunked_lm_loss=True"]
    )
    lines = []
    task = preparation.checked_task(recipe, lines.append)
    threads = runtime.configure(recipe.runtime, recipe.train.seed)
    recipe, raw = preparation.load_data(recipe, task, lines.append)
    recipe, tokenizer, tokenized, _ = preparation.tokenize(recipe, task, raw, lines.append)
    started = preparation.start_runtime(
        recipe, distribution.plan(recipe.runtime), tokenized["train"], tokenizer, threads, lines.append
    )
    step = measure_training_step(recipe, task, tokenizer, tokenized["train"], started, 3, 2, 2, lines.append)
    assert step["train_step"] == "tfhf.train.train_step.AccumulatingStep (2 micro-batches per step, chunked LM loss)"
    assert_training_step_figures(step, timed_steps=2 * 3)
    assert len(step["rounds"]) == 2
    for each in step["rounds"]:
        assert each["gap_percent"] == gap_percent(each["alone_ms_per_step"], each["in_fit_ms_per_step"])
    # the pipeline comparison's "tfhf" side trains with that step too; the course's baseline with transformers'
    models, *_, step_callbacks = build_pipelines(recipe, task, tokenizer, tokenized["train"], started, 2, lines.append)
    assert describe_step(models["tfhf"]) == step["train_step"] and step_callbacks["tfhf"]
    assert describe_step(models["baseline"]) == "the model's own train_step (transformers)"
    assert not step_callbacks["baseline"]


def test_the_step_clock_counts_an_execution_of_several_steps_as_that_many_after_the_warmup():
    clock = StepClock(progress=None, last_step=10)
    clock.intervals = [(0, 4, 0.4), (4, 8, 0.8), (8, 12, 0.4)]  # train.steps_per_execution=4: it stops at 12
    assert clock.seconds_per_step(warmup=6) == pytest.approx([0.2, 0.2, 0.1, 0.1])


def test_bench_refuses_nonsense_counts_in_one_line(tiny_recipe_file):
    result = invoke("bench", tiny_recipe_file, "--steps", "1")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "tfhf: error: --steps must be at least 2, and --warmup, --rounds and --eager-batches at least 1"
    ]


def test_a_batch_size_that_is_not_a_positive_number_is_named(tiny_recipe_file):
    result = invoke("bench", tiny_recipe_file, "--eval-batch-sizes", "16, 0")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["tfhf: error: --eval-batch-sizes: '0' is not a positive whole number"]


def test_an_output_that_cannot_be_written_is_refused_before_measuring(tmp_path, tiny_recipe_file):
    in_the_way = tmp_path / "a_file"
    in_the_way.write_text("")
    result = invoke("bench", tiny_recipe_file, "--output", in_the_way / "bench.json")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"tfhf: error: cannot write --output {in_the_way / 'bench.json'}: File exists"
    ]
    assert in_the_way.read_text() == ""


def test_matmul_peak_counts_two_flops_per_multiply_add_of_every_matmul_timed(monkeypatch):
    import os

    import tfhf.commands.bench

    clock = iter(range(1000))  # every timed call takes exactly one second on this clock
    monkeypatch.setattr(tfhf.commands.bench.time, "perf_counter", lambda: next(clock))
    cores = os.cpu_count() or 1
    assert matmul_peak("float32", size=64, trials=2) == max(1, cores) * 2 * 64**3


def test_flops_per_token_count_encoder_decoder_and_the_tied_output_layer():
    _, tokenizer, model, _ = tiny_translation_setup()
    flops = training_flops_per_token(model)
    width = model.config.d_model
    assert flops["encoder"] > 0
    # The target tokens pass through the decoder and the output layer: vocabulary x width multiply-adds.
    assert flops["head"] == 6 * model.get_output_embeddings().weights[0].shape[0] * width
    assert flops["head"] >= 6 * len(tokenizer) * width and flops["decoder"] > 0
    # Each encoder layer holds at least its four attention projections and two feed-forward matrices.
    ffn = model.config.encoder_ffn_dim
    assert flops["encoder"] >= 6 * model.config.encoder_layers * (4 * width * width + 2 * width * ffn)
    assert np.isfinite(flops["encoder"] + flops["decoder"] + flops["head"])


def test_an_untied_output_layer_is_counted_once():
    from transformers import MT5Config, TFMT5ForConditionalGeneration

    config = MT5Config(
        vocab_size=100, d_model=16, d_ff=32, d_kv=8, num_layers=1, num_heads=2, tie_word_embeddings=False
    )
    model = TFMT5ForConditionalGeneration(config)
    model(input_ids=np.ones((1, 4), np.int32), decoder_input_ids=np.ones((1, 2), np.int32))
    sizes = {variable.name: int(np.prod(variable.shape)) for variable in model.trainable_variables}
    head = sum(size for name, size in sizes.items() if "lm_head" in name)
    assert head == 100 * 16  # the untied head is a trainable variable of its own
    looked_up = ("shared", "embeddings")  # the shared table, and the relative position biases
    decoder = sum(size for name, size in sizes.items() if "decoder" in name and not any(w in name for w in looked_up))
    flops = training_flops_per_token(model)
    assert flops["decoder"] == 6 * (decoder + head) and flops["head"] == 0


def test_a_masked_lms_output_layer_is_counted_on_the_masked_positions_only():
    import tensorflow as tf
    from transformers import BertConfig, TFBertForMaskedLM

    from tfhf.commands.bench import batch_counts, rates

    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    model = TFBertForMaskedLM(config)
    model(input_ids=np.ones((1, 4), np.int32))
    flops = training_flops_per_token(model)
    assert flops["head"] == 6 * 50 * 16 and flops["decoder"] == 0
    labels = np.full((2, 10), -100)
    labels[0, 3], labels[1, 1], labels[1, 7] = 5, 6, 7  # 3 of the 20 positions masked
    batch = {"input_ids": np.ones((2, 10), np.int32), "attention_mask": np.ones((2, 10), np.int32), "labels": labels}
    counts = batch_counts({key: tf.constant(value) for key, value in batch.items()}, text_to_text=False)
    assert counts["targets"] == 3 and counts["input_tokens"] == 20
    assert rates([counts], 1.0, 2, flops)["model_flops_per_second"] == flops["encoder"] * 20 + flops["head"] * 3


def test_the_baseline_stream_gives_the_same_shuffled_batches_each_time_it_is_seeded():
    # The benchmark counts tokens in one pass and trains on another: both must see the same batches.
    import tensorflow as tf
    from datasets import Dataset

    from tfhf.commands.bench import as_one_dict, batch_counts, batch_stream, count_batches
    from tfhf.recipe import Seq2SeqData

    task, tokenizer, model, rows = tiny_translation_setup(pairs=160)
    data = Seq2SeqData(path="unused", source_column="en", target_column="fr")
    split = task.preprocess(Dataset.from_list(rows), tokenizer, data)
    collate = task.collator(tokenizer, model, data)
    stream = batch_stream("baseline", model, split, collate, batch_size=16, seed=3, buckets=None, total=15)
    first, _ = count_batches(stream, 15, seed=3, text_to_text=True)
    tf.random.set_seed(3)  # as time_steps does before training on the stream
    trained_on = [batch_counts(as_one_dict(element), text_to_text=True) for element in stream().take(15)]
    assert trained_on == first
    assert len({count["real"] for count in first}) > 3  # the batches do differ from one another
