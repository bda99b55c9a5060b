"""The text the Hub stand-ins are made of: tfhf's own bundled samples (tfhf/samples, written by
tools/make_*_sample.py), and data-science code snippets generated here. Nothing is fetched."""

import gzip
import json
import random
from functools import cache
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "tfhf" / "samples"


def rows(name):
    """The rows of tfhf/samples/NAME (.jsonl or .jsonl.gz)."""
    path = SAMPLES / name
    text = gzip.decompress(path.read_bytes()).decode("utf-8") if path.suffix == ".gz" else path.read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@cache
def english_sentences():
    texts = [row["en"] for row in rows("translation_en_fr.jsonl")]
    texts += [row["text"] for row in rows("emotion/train.jsonl")]
    texts += [row["review_body"] for row in rows("summarization_reviews.jsonl")]
    texts += [" ".join(row["tokens"]) for row in rows("ner/train.jsonl")]
    return texts


@cache
def french_sentences():
    return [row["fr"] for row in rows("translation_en_fr.jsonl")]


LIBRARIES = {
    "pandas": ("import pandas as pd", "frame = pd.read_csv({path!r})\nprint(frame.{column}.describe())"),
    "matplotlib": ("import matplotlib.pyplot as plt", "plt.plot(values)\nplt.title({title!r})\nplt.savefig({image!r})"),
    "sklearn": (
        "from sklearn.linear_model import LogisticRegression",
        "model = LogisticRegression(max_iter={steps})\nmodel.fit(features, labels)\nprint(model.score(features, labels))",
    ),
    "seaborn": ("import seaborn as sns", "sns.histplot(values, bins={bins})"),
    "numpy": ("import numpy as np", "values = np.linspace(0, {steps}, {bins})\nprint(values.mean())"),
}


@cache
def code_files(count=600, seed=0):
    """Small Python files in the style of codeparrot-ds: each uses one to three data-science libraries."""
    rng = random.Random(seed)
    files = []
    for index in range(count):
        chosen = rng.sample(sorted(LIBRARIES), rng.choice([1, 2, 3]))
        names = {
            "path": f"data/{rng.choice(['sales', 'sensors', 'survey', 'prices'])}_{index}.csv",
            "column": rng.choice(["price", "amount", "score", "age"]),
            "title": rng.choice(["Monthly totals", "Readings over time", "Scores"]),
            "image": f"plot_{index}.png",
            "steps": rng.choice([100, 200, 500]),
            "bins": rng.choice([10, 20, 50]),
        }
        imports = "\n".join(LIBRARIES[name][0] for name in chosen)
        body = "\n".join(LIBRARIES[name][1].format(**names) for name in chosen)
        function = f"def run_{index}(values, features, labels):\n" + "\n".join(
            f"    {line}" for line in body.splitlines()
        )
        files.append(f'"""Analysis {index}."""\n{imports}\n\n\n{function}\n')
    return files
