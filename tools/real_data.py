"""Real-data results: the bundled recipes run on text people wrote, beside their baselines.

    python tools/real_data.py build /tmp/real            # corpora from this machine's own files
    python tools/real_data.py run /tmp/real              # each recipe on its corpus; a table at the end
    python tools/real_data.py run /tmp/real --corpus text-classification=mine.jsonl   # yours instead

`build` writes, from files this machine has (nothing is downloaded, nothing bundled):
- ui_strings_en_fr.jsonl (translation): the English and French messages of the machine's
  gettext catalogs (/usr/share/locale/fr/LC_MESSAGES/*.mo), one pair per distinct message;
- docstring_summaries.jsonl (summarization): the docstrings of the Python code installed
  here (the standard library and this environment's packages): each body after the first
  line, with that first line, PEP 257's one-line summary, as its summary; one row per
  distinct body;
- docstring_libraries.jsonl (text classification): the same bodies, labelled with the
  library they come from, for the 8 libraries with the most;
- docstrings.jsonl (masked LM): the bodies alone.
The causal LM default already trains on real text, the Python standard library's own source.

Each text keeps its package's license (the catalogs are mostly GPL or LGPL; the standard
library is under the PSF license, the packages under theirs); none of it is bundled.

`run` trains each recipe on its corpus, shrunk to a few minutes on 2 CPU cores by the
settings in RUNS below (a recipe pointed at other data measures its length settings,
'auto', unless they are set), and prints one markdown row per run: the settings, the
score before and after training, the best baseline on the same validation examples, the
share the length settings cut, and the wall time; results.md in FOLDER collects them.
"""

import argparse
import gettext
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = Path("/usr/share/locale/fr/LC_MESSAGES")
LIBRARIES = 8
# task: (recipe, corpus file, the --set settings that point it at the corpus and shrink the run)
EVAL = "data.max_eval_samples=500"
RUNS = {
    "translation": ("translation.py", "ui_strings_en_fr.jsonl", ["data.source_column='en'", "data.target_column='fr'",
                    "data.max_train_samples=20000", EVAL, "train.epochs=2"]),
    "summarization": ("summarization.py", "docstring_summaries.jsonl", ["data.source_column='body'",
                      "data.target_column='summary'", "data.max_source_length=256", "data.max_train_samples=10000",
                      EVAL, "train.epochs=2"]),
    "text-classification": ("text_classification.py", "docstring_libraries.jsonl", ["data.text_column='body'",
                            "data.label_column='library'", "data.max_length=256", "data.max_train_samples=10000",
                            EVAL, "train.epochs=2"]),
    "fill-mask": ("masked_lm.py", "docstrings.jsonl", ["data.text_column='body'", "data.max_train_samples=5000",
                  EVAL, "train.epochs=2"]),
    "text-generation": ("causal_lm.py", None, []),  # its default is real text already: the standard library
}  # fmt: skip
# The real pretrained checkpoint (tools/real_checkpoints.py) against the same recipe from scratch, on the same
# examples and steps: shrunk further than the rows above, since a 22.7M-parameter model steps ~20x slower here.
PRETRAINED = "model.checkpoint={minilm!r}"
SHRUNK_CLASSIFICATION = ["data.text_column='body'", "data.label_column='library'", "data.max_length=128",
                         "data.max_train_samples=2000", EVAL, "train.epochs=1", "train.batch_size=32",
                         "eval.each_epoch=False", "eval.best_metric=None"]  # fmt: skip
SHRUNK_MASKED_LM = ["data.text_column='body'", "data.block_size=128", "data.max_train_samples=2000", EVAL,
                    "train.epochs=1", "train.batch_size=32"]  # fmt: skip
RUNS |= {
    "text-classification-scratch-shrunk": ("text_classification.py", "docstring_libraries.jsonl",
                                           SHRUNK_CLASSIFICATION),
    "text-classification-pretrained": ("text_classification.py", "docstring_libraries.jsonl",
                                       [*SHRUNK_CLASSIFICATION, PRETRAINED, "train.learning_rate=1e-4"]),
    "fill-mask-scratch-shrunk": ("masked_lm.py", "docstrings.jsonl", SHRUNK_MASKED_LM),
    "fill-mask-pretrained": ("masked_lm.py", "docstrings.jsonl", [*SHRUNK_MASKED_LM, PRETRAINED,
                                                                  "train.learning_rate=5e-5"]),
}  # fmt: skip


def build(folder):
    folder.mkdir(parents=True, exist_ok=True)
    pairs = ui_strings()
    write(folder / "ui_strings_en_fr.jsonl", pairs)
    rows = docstrings()
    write(folder / "docstring_summaries.jsonl", [{"body": r["body"], "summary": r["summary"]} for r in rows])
    common = {library for library, _ in Counter(r["library"] for r in rows).most_common(LIBRARIES)}
    labelled = [{"body": r["body"], "library": r["library"]} for r in rows if r["library"] in common]
    write(folder / "docstring_libraries.jsonl", labelled)
    write(folder / "docstrings.jsonl", [{"body": r["body"]} for r in rows])
    print(f"{len(pairs)} UI string pairs, {len(rows)} docstrings ({len(labelled)} of {', '.join(sorted(common))})")


def write(path, rows):
    with path.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def ui_strings():
    """(English, French) message pairs of every French gettext catalog here, each English message once."""
    seen, pairs = set(), []
    for catalog in sorted(CATALOGS.glob("*.mo")):
        with catalog.open("rb") as f:
            try:
                messages = gettext.GNUTranslations(f)._catalog  # the parsed catalog; no public accessor
            except (OSError, UnicodeDecodeError):
                continue
        for english, french in messages.items():
            if not isinstance(english, str) or not english.strip() or not french.strip() or english in seen:
                continue  # the header (""), plural forms (tuple keys), untranslated messages, repeats
            seen.add(english)
            pairs.append({"en": english, "fr": french})
    return pairs


def docstrings():
    """One dict (summary, body, library) per distinct multi-line docstring of the Python code installed here.

    PEP 257 has a docstring open with a one-line summary; the body after it is the
    summarization source. The library is the top-level package (or 'stdlib').
    """
    import sysconfig

    roots = [(Path(sysconfig.get_paths()["stdlib"]), "stdlib"), (Path(sysconfig.get_paths()["purelib"]), None)]
    seen, rows = set(), []
    for root, fixed_library in roots:
        for source in sorted(root.rglob("*.py")):
            parts = source.relative_to(root).parts
            if fixed_library and parts[0] in ("site-packages", "test", "idlelib", "lib2to3"):
                continue
            rows += file_docstrings(source, fixed_library or parts[0], seen)
    return rows


def stdlib_package_docstrings(packages):
    """docstrings()'s rows for a few packages of the standard library, each labelled with its package: a small
    real classification corpus (tests/test_pretrained.py) built in seconds."""
    import sysconfig

    root = Path(sysconfig.get_paths()["stdlib"])
    seen, rows = set(), []
    for package in packages:
        for source in sorted((root / package).rglob("*.py")):
            if "test" not in source.relative_to(root).parts:
                rows += file_docstrings(source, package, seen)
    return rows


def file_docstrings(source, library, seen):
    """The (summary, body, library) rows of one file's multi-line docstrings whose body is not in `seen`."""
    import ast

    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []
    rows = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        summary, _, body = (ast.get_docstring(node) or "").strip().partition("\n")
        body = " ".join(body.split())
        if len(summary) < 10 or len(body) < 80 or body in seen:
            continue
        seen.add(body)
        rows.append({"summary": summary.strip(), "body": body, "library": library})
    return rows


def run(folder, corpora, tasks):
    rows = []
    shown_checkpoint = {}
    for task in tasks:
        recipe, corpus, settings = RUNS[task]
        if PRETRAINED in settings:
            from real_checkpoints import MINILM, fetch  # beside this file

            settings = [setting.format(minilm=str(fetch())) for setting in settings]
            shown_checkpoint = {str(fetch()): MINILM.repo_id}  # the table names the Hub id, not this machine's cache
        path = corpora.get(task) or (folder / corpus if corpus else None)
        overrides = ([f"data.path={str(path)!r}"] if path else []) + settings
        out = folder / "runs" / task
        command = [sys.executable, "-m", "tfhf.cli", "run", str(ROOT / "recipes" / recipe), "--output-dir", str(out),
                   "--restart", *(f"--set={o}" for o in overrides)]  # fmt: skip
        started = time.monotonic()
        ran = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        (folder / f"{task}.log").write_text(ran.stdout + ran.stderr)
        if ran.returncode:
            print(f"{task}: failed (exit {ran.returncode}); see {folder / f'{task}.log'}", file=sys.stderr)
            continue
        shown = overrides
        for local, hub_id in shown_checkpoint.items():
            shown = [override.replace(local, hub_id) for override in shown]
        rows.append(result_row(task, recipe, path, shown, json.loads((out / "metrics.json").read_text()), seconds))
        print(rows[-1], flush=True)
    (folder / "results.md").write_text("\n".join(rows) + "\n")


def result_row(task, recipe, path, overrides, metrics, seconds):
    """| task | corpus | settings | score before -> after | best baseline | cut by length | time |"""
    headline = next(iter(metrics["after"]))
    lower = headline in ("perplexity", "loss")
    scored = [
        (b[headline], b["name"]) for b in metrics.get("baselines", []) if isinstance(b.get(headline), float | int)
    ]
    best = (min if lower else max)(scored) if scored else None
    after = metrics["after"][headline]
    beaten = best is None or (after < best[0] if lower else after > best[0])
    cuts = metrics.get("data", {}).get("cut_by_length") or {}
    cut = ", ".join(f"{setting} {shares.get('train', 0):.0%}" for setting, shares in cuts.items()) or "-"
    shown = [o for o in overrides if not o.startswith("data.path=")]
    data = metrics.get("data", {})
    return (
        f"| {task} | {Path(str(path)).name if path else 'the recipe default'} ({data.get('train_examples')} train, "
        f"{data.get('validation_examples')} validation) | `{recipe}` {' '.join(shown) or '(defaults)'} | "
        f"{headline} {fmt(metrics.get('before', {}).get(headline))} -> {fmt(after)} | "
        f"{f'{best[1]} {fmt(best[0])}' if best else '-'}{'' if beaten else ' **(wins)**'} | {cut} | {seconds:.0f} s |"
    )


def fmt(value):
    return "-" if value is None else f"{value:.4g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build").add_argument("folder", type=Path)
    runner = commands.add_parser("run")
    runner.add_argument("folder", type=Path)
    runner.add_argument("--tasks", default=",".join(RUNS), help="Comma-separated rows (RUNS' keys) to run.")
    runner.add_argument("--corpus", action="append", default=[], metavar="TASK=PATH", help="Your corpus for a task.")
    args = parser.parse_args()
    if args.command == "build":
        return build(args.folder)
    corpora = dict(item.split("=", 1) for item in args.corpus)
    tasks = [task for task in re.split(r"\s*,\s*", args.tasks) if task]
    unknown = sorted(set(tasks) - set(RUNS))
    if unknown:
        raise SystemExit(f"unknown tasks {unknown}; known: {', '.join(RUNS)}")
    run(args.folder, corpora, tasks)


if __name__ == "__main__":
    main()
