"""The `tfhf` command. TensorFlow and transformers are imported only inside commands that need them."""

import sys
from pathlib import Path

import click

from tfhf.data.files import check_local_path
from tfhf.errors import TfhfError


def fail(message):
    """One line on stderr, exit status 2, no traceback."""
    click.echo(f"tfhf: error: {message}", err=True)
    sys.exit(2)


class OneLineErrors(click.Group):
    """Every way out of tfhf as one line on stderr.

    Click's usage errors (an unknown option, a missing argument) exit 2, like tfhf's own;
    Ctrl-C exits 130; anything unforeseen (a bug of tfhf's, or of a library under it)
    exits 1 with one line that says where its full traceback was written.
    """

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except TfhfError as error:
            fail(error)
        except click.ClickException as error:
            fail(error.format_message())
        except click.exceptions.Abort:
            click.echo("tfhf: interrupted", err=True)
            sys.exit(130)
        except Exception as error:  # noqa: BLE001 -- the last guard: never a wall of traceback, never silent
            report = write_traceback()
            first_line = (str(error).splitlines() or [""])[0][:300]
            click.echo(f"tfhf: internal error: {type(error).__name__}: {first_line} (traceback: {report})", err=True)
            sys.exit(1)


def write_traceback():
    """Writes the exception being handled to a new file in the temp folder; returns its path."""
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="tfhf-traceback-", suffix=".txt", delete=False) as f:
        traceback.print_exc(file=f)
    return f.name


@click.group(cls=OneLineErrors)
@click.version_option(package_name="tfhf")
def main():
    """tfhf: train Hugging Face models with Keras/TensorFlow from a recipe file."""


@main.command()
@click.argument("recipe_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a recipe field, e.g. train.epochs=3."
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the run (default runs/<recipe name>).",
)
@click.option("--restart", is_flag=True, help="Discard the checkpoints of an unfinished run in the output directory.")
def run(recipe_file, overrides, output_dir, restart):
    """Train and evaluate the model RECIPE_FILE describes.

    Run again into the same output directory, an interrupted run resumes from its latest
    checkpoint.
    """
    from tfhf.recipe.loading import apply_overrides, load_recipe
    from tfhf.train.signals import Interrupted

    try:
        recipe = apply_overrides(load_recipe(recipe_file), overrides)
        output_dir = output_dir or Path(recipe.output.dir or Path("runs") / recipe_file.stem)
        recipe = apply_overrides(recipe, [f"output.dir={str(output_dir)!r}"])
        check_local_path(recipe.data.path)  # a typo is refused before the seconds of importing TensorFlow
        from tfhf import engine  # heavy: TensorFlow, transformers, datasets

        engine.run(recipe, output_dir, log=click.echo, restart=restart)
    except TfhfError as error:
        fail(error)
    except Interrupted as stop:
        click.echo(f"tfhf: {stop}", err=True)
        sys.exit(stop.exit_code)


@main.command()
@click.argument("recipe_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a recipe field, e.g. train.epochs=3."
)
def doctor(recipe_file, overrides):
    """Check RECIPE_FILE's first batch and model for the classic training mistakes, without training.

    Prints the first example as the model gets it and one line per check (pass, warn,
    fail, with the fix). Exits 1 when a check fails.
    """
    from tfhf.recipe.loading import apply_overrides, load_recipe

    try:
        recipe = apply_overrides(load_recipe(recipe_file), overrides)
        from tfhf.commands.doctor import diagnose  # heavy: TensorFlow, transformers, datasets

        checks = diagnose(recipe, log=click.echo)
    except TfhfError as error:
        fail(error)
    sys.exit(1 if any(check.status == "fail" for check in checks) else 0)


@main.command()
@click.argument("recipe_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a recipe field, e.g. train.batch_size=64."
)
@click.option(
    "--steps",
    type=int,
    help="Training steps timed per round and pipeline (default: one epoch, so both time the same examples).",
)
@click.option("--warmup", default=10, show_default=True, help="Training steps run before timing starts.")
@click.option("--rounds", default=3, show_default=True, help="Timed rounds per pipeline; the median is reported.")
@click.option("--eager-batches", default=3, show_default=True, help="Batches generated eagerly, to compare with XLA.")
@click.option(
    "--eval-batch-sizes",
    default="",
    metavar="N,N,...",
    help="Also time the metric loop at these eval.batch_size values (XLA's lead over eager depends on the batch).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file for the results (default runs/bench-<recipe name>.json).",
)
def bench(recipe_file, overrides, steps, warmup, rounds, eager_batches, eval_batch_sizes, output):
    """Measure RECIPE_FILE's training (against the course's plain pipeline), input pipeline and metric loop.

    Prints a table and writes every number as JSON.
    """
    import json

    from tfhf.recipe.loading import apply_overrides, load_recipe

    try:
        if (steps is not None and steps < 2) or warmup < 1 or rounds < 1 or eager_batches < 1:
            raise TfhfError("--steps must be at least 2, and --warmup, --rounds and --eager-batches at least 1")
        batch_sizes = parse_batch_sizes(eval_batch_sizes)
        recipe = apply_overrides(load_recipe(recipe_file), overrides)
        output = output or Path("runs") / f"bench-{recipe_file.stem}.json"
        if output.is_dir():
            raise TfhfError(f"--output {output} is a folder; give a file name")
        try:  # before minutes of measuring, not after
            output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TfhfError(f"cannot write --output {output}: {error.strerror}") from None
        from tfhf.commands import bench as benchmark
        from tfhf.train.checkpoints import replace_text

        results = benchmark.run_benchmark(recipe, steps, warmup, rounds, eager_batches, batch_sizes, log=click.echo)
        replace_text(output, json.dumps(results, indent=2))
    except TfhfError as error:
        fail(error)
    click.echo("\n" + benchmark.table(results))
    click.echo(f"\nresults: {output}")


def parse_batch_sizes(text):
    """`--eval-batch-sizes 32,128` as [32, 128]; every entry must be a positive whole number."""
    sizes = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        if not entry.isdigit() or int(entry) < 1:
            raise TfhfError(f"--eval-batch-sizes: {entry!r} is not a positive whole number")
        sizes.append(int(entry))
    return sizes


@main.command()
@click.argument("model", metavar="MODEL_OR_RUN_DIR")
@click.argument("texts", nargs=-1)
@click.option("--file", "text_file", type=click.Path(dir_okay=False, path_type=Path), help="Texts, one per line.")
@click.option(
    "--context",
    help="Question answering: the text answers are taken from; text classification: the second text of a pair.",
)
@click.option("--task", help="The pipeline task, when neither recipe.json nor the config tells it.")
@click.option("--num-beams", type=int, help="Beam search with this many beams (1: greedy).")
@click.option("--do-sample", is_flag=True, default=None, help="Sample instead of picking the likeliest token.")
@click.option("--temperature", type=float, help="Sampling: below 1 sharpens, above 1 flattens the distribution.")
@click.option("--top-k", type=int, help="Sampling: keep the k likeliest tokens. Fill-mask: fills shown (5).")
@click.option("--top-p", type=float, help="Sampling: keep the smallest set of tokens with this much probability.")
@click.option("--num-return-sequences", type=int, help="Outputs per input (at most --num-beams with beam search).")
@click.option("--max-new-tokens", type=int, help="Longest output, in tokens.")
@click.option("--repetition-penalty", type=float, help="Above 1 discourages repeating tokens.")
@click.option("--no-repeat-ngram-size", type=int, help="Never repeat an n-gram of this size.")
@click.option("--min-new-tokens", type=int, help="Shortest output, in tokens.")
@click.option("--length-penalty", type=float, help="Beam search: above 0 favours longer outputs, below 0 shorter.")
@click.option(
    "--penalty-alpha", type=float, help="Contrastive search (with --top-k): how much to penalise repeating context."
)
@click.option("--num-beam-groups", type=int, help="Diverse beam search: PyTorch only, refused here by name.")
@click.option("--batch-size", type=int, help="Generate for this many texts at once (default: one at a time).")
@click.option("--seed", type=int, help="Seed for sampling: the same seed gives the same samples.")
@click.option("--xla", is_flag=True, help="Compile generation with XLA (faster for many texts; fewer options).")
@click.option(
    "--trust-remote-code", is_flag=True, help="Allow a model whose config names Python code of its own to run it."
)
def predict(model, texts, text_file, context, task, seed, xla, trust_remote_code, **options):
    """Run a trained model on TEXTS (or --file, or standard input); print one JSON line per text.

    MODEL_OR_RUN_DIR is a tfhf run's output directory, a saved checkpoint folder or a Hub id.
    """
    import json

    from tfhf.runtime import xla_cache

    cache = xla_cache.enable() if xla else None  # before TensorFlow starts: it reads the flag once
    try:
        check_generation_options(options)
        texts = list(texts) or read_texts(text_file)
        from tfhf.commands.predict import Predictor  # heavy: TensorFlow, transformers

        predictor = Predictor(model, task=task, trust_remote_code=trust_remote_code)
        results = predictor(texts, context=context, seed=seed, xla=xla, **options)
    except TfhfError as error:
        fail(error)
    except Exception as error:
        if cache and type(error).__name__ in ("OutOfRangeError", "DataLossError"):  # a cached program cut short
            fail(f"XLA's compile cache {cache} holds an unreadable program; delete that folder (or run with "
                 f"{xla_cache.SETTING}=off) and run again")  # fmt: skip
        raise
    for result in results:
        click.echo(json.dumps(result, ensure_ascii=False))


def check_generation_options(options):
    """Refuses counts below 1 and non-positive sampling settings before any model loads."""
    for name in ("num_beams", "top_k", "num_return_sequences", "max_new_tokens", "no_repeat_ngram_size", "batch_size"):
        if options.get(name) is not None and options[name] < 1:
            raise TfhfError(f"--{name.replace('_', '-')} must be at least 1; got {options[name]}")
    if options.get("min_new_tokens") is not None and options["min_new_tokens"] < 0:
        raise TfhfError(f"--min-new-tokens must be 0 or more; got {options['min_new_tokens']}")
    if options.get("penalty_alpha") is not None and not 0 <= options["penalty_alpha"] <= 1:
        raise TfhfError(f"--penalty-alpha must be from 0 to 1; got {options['penalty_alpha']}")
    for name in ("temperature", "top_p", "repetition_penalty"):
        if options.get(name) is not None and not options[name] > 0:
            raise TfhfError(f"--{name.replace('_', '-')} must be greater than 0; got {options[name]}")
    if options.get("top_p") is not None and options["top_p"] > 1:
        raise TfhfError(f"--top-p must be at most 1; got {options['top_p']}")


def read_texts(text_file):
    """Texts from --file or, without one, standard input: one per non-empty line."""
    if text_file:
        try:
            lines = text_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise TfhfError(f"cannot read --file {text_file}: {getattr(error, 'strerror', None) or error}") from None
    elif sys.stdin.isatty():
        raise TfhfError("no texts: give them as arguments, with --file, or on standard input")
    else:
        lines = sys.stdin.read().splitlines()
    texts = [line for line in lines if line.strip()]
    if not texts:
        raise TfhfError(f"no texts in {text_file or 'standard input'}")
    return texts


@main.command("eval")
@click.argument("model", metavar="MODEL_OR_RUN_DIR")
@click.argument("recipe_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--split", help="The split to score, e.g. test (default: the recipe's validation split).")
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a recipe field, e.g. eval.batch_size=32."
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write metrics.json and predictions.jsonl (default runs/eval-<model>-<split>).",
)
def evaluate(model, recipe_file, split, overrides, output_dir):
    """Score MODEL_OR_RUN_DIR on a split, without training, as its run (or RECIPE_FILE) evaluates."""
    from tfhf.recipe.loading import apply_overrides, load_recipe

    try:
        if recipe_file:
            recipe = load_recipe(recipe_file)
        else:
            from tfhf.commands.evaluate import recipe_from_run

            recipe = recipe_from_run(model)
        recipe = apply_overrides(recipe, overrides)
        split = split or recipe.data.validation_split
        output_dir = output_dir or Path("runs") / f"eval-{Path(model).name}-{split}"
        from tfhf.commands.evaluate import score  # heavy: TensorFlow, transformers, datasets

        score(recipe, model, split, output_dir, log=click.echo)
    except TfhfError as error:
        fail(error)


@main.command("export")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "export_format", default="saved_model", show_default=True, help="saved_model or tflite.")
@click.option("--batch-size", default=1, show_default=True, help="Generating tasks: the rows generate takes at once.")
@click.option("--length", type=int, help="Generating tasks: the input length (default: the model's positions).")
@click.option(
    "--quantize",
    type=click.Choice(["int8"]),
    help="With --format tflite, encoder tasks: int8 weights (dynamic range) in model.int8.tflite; the float and "
    "int8 files' validation scores are printed and written to quantization.json.",
)
def export_command(run_dir, export_format, batch_size, length, quantize):
    """Export the model of RUN_DIR for TF Serving (SavedModel) or TensorFlow Lite, into RUN_DIR/export/."""
    try:
        from tfhf.commands.export import export  # heavy: TensorFlow, transformers

        export(run_dir, export_format, batch_size=batch_size, length=length, quantize=quantize, log=click.echo)
    except TfhfError as error:
        fail(error)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--repo-id", help="The Hub model repo (default: the run's hub.repo_id).")
def push(run_dir, repo_id):
    """Push the finished run in RUN_DIR to the Hub, without training again (e.g. after its final push failed)."""
    from tfhf.publish.hub_push import push_finished_run

    try:
        push_finished_run(run_dir, repo_id, log=click.echo)
    except TfhfError as error:
        fail(error)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
def devices(as_json):
    """Show the TPU and GPUs this machine reaches, and what runtime.strategy=auto and precision=auto pick."""
    import json

    from tfhf.runtime.devices import describe, summary  # heavy: TensorFlow

    found = describe()
    click.echo(json.dumps(found) if as_json else "\n".join(summary(found)))


@main.command("keys")
@click.argument("recipe_file", type=click.Path(dir_okay=False, path_type=Path))
def keys(recipe_file):
    """List every key of RECIPE_FILE that --set accepts, with its value and meaning."""
    from tfhf.recipe.loading import all_keys, load_recipe

    try:
        recipe = load_recipe(recipe_file)
    except TfhfError as error:
        fail(error)
    for key, (_, field) in all_keys(recipe).items():
        part, _, name = key.rpartition(".")
        value = getattr(getattr(recipe, part) if part else recipe, name)
        doc = field.metadata.get("doc", "")
        click.echo(f"{key} = {value!r}" + (f"\n    {doc}" if doc else ""))


if __name__ == "__main__":
    main()
