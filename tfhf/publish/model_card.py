"""The model card: README.md of a run's output directory and of its Hub repo.

It opens with YAML front matter the Hub reads (pipeline_tag, library_name, base_model,
datasets, model-index with the evaluation results), then says in words what was trained
on what, shows the metrics before and after training, the training curves (an image
drawn with matplotlib: loss per epoch, and the task metric per epoch when it was
evaluated each epoch), the hyperparameters from the resolved recipe, and how to use it.
Local paths (the bundled samples, a user's files) are shown by name only.
"""

import json
from pathlib import Path

from tfhf.log_format import trained_share
from tfhf.recipe import SAMPLES_DIR

CURVES_FILE = "training_curves.png"
COUNTS = ("questions", "windows", "masked_tokens", "tokens")  # sizes of what was scored, not scores


def write_model_card(folder, recipe, metrics, task, name):
    """Writes README.md (and the curves image, when there are curves) into `folder`, for a run of `task`."""
    folder = Path(folder)
    train = metrics.get("train", {})
    has_curves = bool(train.get("step_loss") or train.get("loss"))
    if has_curves:
        draw_curves(folder / CURVES_FILE, metrics, recipe.get("eval", {}).get("best_metric") or task.headline)
    text = card_text(recipe, metrics, name, has_curves) + usage_text(task, name, recipe)
    (folder / "README.md").write_text(text, encoding="utf-8")


def card_text(recipe, metrics, name, has_curves):
    task, model, data = recipe["task"], recipe["model"], recipe["data"]
    dataset = hub_id(data.get("path"))
    lines = ["---", "library_name: transformers", f"pipeline_tag: {task}", "tags:", "- tensorflow", "- tfhf"]
    output = recipe.get("output", {})
    if output.get("license"):
        lines.append(f"license: {output['license']}")
    if output.get("languages"):
        lines += ["language:", *(f"- {language}" for language in output["languages"])]
    if hub_id(model.get("checkpoint")):
        lines.append(f"base_model: {model['checkpoint']}")
    if dataset:
        lines += ["datasets:", f"- {dataset}"]
    after = {key: value for key, value in metrics.get("after", {}).items() if is_metric(key, value)}
    if after:
        lines += ["model-index:", f"- name: {json.dumps(name)}", "  results:", "  - task:", f"      type: {task}"]
        lines += ["    dataset:", f"      name: {json.dumps(shown_name(data.get('path')))}"]
        lines += [f"      type: {json.dumps(dataset or shown_name(data.get('path')))}"]
        if data.get("name"):
            lines.append(f"      config: {json.dumps(data['name'])}")
        held_out = "held out" in (metrics.get("data") or {}).get("validation", "")
        split = data.get("train_split", "train") if held_out else data.get("validation_split", "validation")
        lines += [f"      split: {json.dumps(split)}", "    metrics:"]
        for key, value in after.items():
            lines += [f"    - type: {key}", f"      name: {key}", f"      value: {value}"]
    lines.append("---")

    if model.get("checkpoint"):
        base = f"`{model['checkpoint']}` fine-tuned"
    else:
        base = f"A `{model['config'].get('model_type')}` model built from scratch and trained"
    lines += [
        "",
        f"# {name}",
        "",
        f"{base} for {task} on {described_data(data, metrics.get('data'))} with tfhf (Keras/TensorFlow).",
        *lora_text(recipe.get("train", {}), metrics.get("parameters")),
        "",
        "## Results",
        "",
    ]
    baselines = metrics.get("baselines") or []
    if baselines:
        lines += ["Beside the model, baselines scored on the same validation examples (tfhf/scores/baselines.py).", ""]
    lines += [
        "| metric | before training | after training |" + "".join(f" {b['name']} |" for b in baselines),
        "|---|---|---|" + "---|" * len(baselines),
    ]
    before = metrics.get("before", {})
    for key, value in after.items():
        cells = [before.get(key), value, *(b.get(key) for b in baselines)]
        lines.append(f"| {key} |" + "".join(f" {'' if cell is None else round(cell, 4)} |" for cell in cells))
    if has_curves:
        lines += ["", "## Training curves", "", f"![training curves]({CURVES_FILE})"]
    lines += ["", "## Hyperparameters", "", *hyperparameter_lines(recipe)]
    return "\n".join(lines) + "\n"


def hyperparameter_lines(recipe):
    """The train, model and data settings that took effect, one line each."""
    lines = []
    unused = settings_without_effect(recipe)
    for part in ("train", "model", "data"):
        for key, value in recipe.get(part, {}).items():
            shown = value not in (None, (), [], {}) and f"{part}.{key}" not in unused
            if shown and not (part == "data" and key == "path"):
                lines.append(f"- `{part}.{key}`: `{json.dumps(value)}`")
    return lines


def lora_text(train, parameters):
    """The card's lines on LoRA: what trained, and where the adapters are; none without LoRA."""
    if not train.get("lora_rank") or not parameters:
        return []
    targets = ", ".join(train.get("lora_targets") or ()) or "the architecture's attention query and value"
    text = (
        f"Trained with LoRA (rank {train['lora_rank']}, alpha {train.get('lora_alpha'):g}, on {targets}): "
        f"{trained_share(parameters['trained'], parameters['total'])}. The model files hold the adapters merged "
        "into the weights and load like any other; `adapter/` holds them alone in PEFT's format "
        '(`PeftModel.from_pretrained(base_model, "adapter")`).'
    )
    return ["", text]


def settings_without_effect(recipe):
    """The recipe keys that did not shape this model: a from-scratch architecture and tokenizer size beside a
    checkpoint (which brings its own), a tokenizer size beside a given tokenizer, LoRA's settings without LoRA."""
    model, train = recipe.get("model", {}), recipe.get("train", {})
    unused = set()
    if model.get("checkpoint"):
        unused |= {"model.config", "model.tokenizer_vocab_size"}
    if model.get("tokenizer"):
        unused.add("model.tokenizer_vocab_size")
    if not train.get("lora_rank"):
        unused |= {f"train.{key}" for key in train if key.startswith("lora_")}
    return unused


def usage_text(task, name, recipe):
    """The 'How to use' section: a snippet for PyTorch and one for TensorFlow, each runnable as written.

    The call passes the settings the model was evaluated with (the task's pipeline_defaults,
    as `tfhf predict` does): PyTorch's text-to-text pipelines put their own defaults (4
    beams, 256 new tokens) above a model's generation_config, and a classifier scored texts
    cut to data.max_length.
    """
    call = task.usage.usage_example
    note = ""
    settings = task.usage.pipeline_defaults(recipe)
    if settings:
        call = call[:-1] + "".join(f", {key}={value!r}" for key, value in settings.items()) + ")"
        note = "\nThe call passes the settings the model was evaluated with.\n"
    pytorch = task.usage.pytorch_usage(name, recipe) or (
        f'from transformers import pipeline\n\npipe = pipeline("{task.name}", model="{name}")\nprint({call})\n'
    )
    return f"""
## How to use

With PyTorch (transformers 4 or 5), from `model.safetensors`:

```python
{pytorch}```
{note}

With TensorFlow (transformers 4), from `tf_model.h5`. `use_safetensors=False` is needed
because transformers 4.55 to 4.57 cannot read PyTorch safetensors into TensorFlow, and
`dtype=None` because the default looks the dtype up in torch:

```python
from transformers import pipeline

pipe = pipeline("{task.name}", model="{name}", framework="tf", dtype=None, model_kwargs={{"use_safetensors": False}})
print({call})
```
"""


def draw_curves(path, metrics, headline):
    """The training loss of every step (smoothed, the raw steps faint behind it; per epoch for runs that recorded
    only that); with evaluations, `headline` at each one beside it, the kept one marked."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    evaluations = [scores for scores in metrics.get("evaluations", []) if scores.get(headline) is not None]
    figure, axes = plt.subplots(1, 2 if evaluations else 1, figsize=(9, 3.5), squeeze=False)
    draw_training_loss(axes[0][0], metrics["train"])
    if evaluations:
        steps = [scores["step"] for scores in evaluations]
        axes[0][1].plot(steps, [scores[headline] for scores in evaluations], marker="o", color="tab:green")
        axes[0][1].set(title=f"validation {headline}", xlabel="optimizer step", ylabel=headline)
        if metrics.get("best_step"):
            axes[0][1].axvline(metrics["best_step"], color="tab:red", linestyle="--", label="kept weights")
            axes[0][1].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def draw_training_loss(axes, train):
    step_loss = train.get("step_loss")
    if not step_loss:
        losses = train["loss"]
        axes.plot(range(1, len(losses) + 1), losses, marker="o")
        axes.set(title="training loss", xlabel="epoch", ylabel="loss")
        return
    steps, losses = zip(*step_loss)
    axes.plot(steps, losses, color="tab:blue", alpha=0.25, linewidth=0.8, label="each step")
    axes.plot(steps, smoothed(losses), color="tab:blue", label="smoothed")
    axes.set(title="training loss", xlabel="optimizer step", ylabel="loss")
    axes.legend()


def smoothed(values, weight=0.9):
    """TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled to 0."""
    average, result = 0.0, []
    for count, value in enumerate(values, start=1):
        average = weight * average + (1 - weight) * value
        result.append(average / (1 - weight**count))
    return result


def is_metric(key, value):
    timing = key.endswith("seconds") or key.startswith("xla_") or key in COUNTS
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not timing


def hub_id(name):
    """`name` when it looks like a Hub id ('kde4', 'user/repo'), None for local paths and nothing."""
    if not name or name.startswith((".", "/", "~")) or Path(name).exists():
        return None
    return name


def described_data(data, sizes):
    """What the model was trained and scored on, in words: the source, its config, how many examples."""
    path = data.get("path")
    if hub_id(path):
        source = f"the Hub dataset `{path}`"
    elif path and Path(path).resolve().is_relative_to(SAMPLES_DIR):
        source = f"tfhf's bundled sample `{Path(path).name}` (text tfhf generates itself: a smoke test, not real data)"
    else:
        source = f"the local data `{shown_name(path)}`"
    if data.get("name"):
        source += f" (config `{data['name']}`)"
    if sizes:
        trained = sizes["train_examples"]
        trained = f"{trained:,} training examples" if isinstance(trained, int) else "the training split streamed"
        source += f": {trained}, scored on {sizes['validation_examples']:,} examples {sizes['validation']}"
        cuts = [
            f"{setting}={data.get(setting.removeprefix('data.'))} cut {shares['train']:.1%} of the training examples"
            for setting, shares in (sizes.get("cut_by_length") or {}).items()
            if shares.get("train")
        ]
        if cuts:
            source += f" ({'; '.join(cuts)})"
    return source


def shown_name(path):
    return hub_id(path) or (Path(path).name if path else "unknown data")
