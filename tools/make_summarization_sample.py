"""Generate tfhf's bundled sample for summarization: product reviews and their titles.

The course summarizes Amazon reviews into their titles. This script writes reviews in
that spirit from templates and word lists written for tfhf (license-clean). A review
runs four to seven sentences: an opening that names the product, sentences on several
aspects (each with its own verdict), filler that says nothing, and a closing
recommendation. The title summarizes it: the product, the overall verdict and the
aspect the reviewer felt most strongly about, which is not always in the first three
sentences, so copying the lead (the lead-3 baseline) is not enough.

Usage (the output is committed; rerun only after changing this file):

    python tools/make_summarization_sample.py      # writes tfhf/samples/summarization_reviews.jsonl
"""

import argparse
import json
import random
from pathlib import Path

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "tfhf" / "samples" / "summarization_reviews.jsonl"

PRODUCTS = [
    "kettle",
    "blender",
    "toaster",
    "backpack",
    "desk lamp",
    "keyboard",
    "mouse",
    "headphones",
    "speaker",
    "phone case",
    "water bottle",
    "umbrella",
    "office chair",
    "coffee grinder",
    "rice cooker",
    "hair dryer",
    "alarm clock",
    "yoga mat",
    "tent",
    "sleeping bag",
    "charger",
    "router",
    "webcam",
    "monitor stand",
    "frying pan",
    "knife set",
    "thermos",
    "bike light",
    "power bank",
    "vacuum cleaner",
]
ASPECTS = {
    "price": ("the price is fair for what you get", "it is far too expensive for what you get"),
    "quality": ("the build quality is excellent", "the build quality is poor and it feels cheap"),
    "delivery": ("delivery was fast and the box arrived intact", "delivery took weeks and the box was damaged"),
    "size": ("the size is just right", "it is much smaller than the pictures suggest"),
    "battery": ("the battery lasts for days", "the battery dies after an hour"),
    "noise": ("it is very quiet", "it is terribly loud"),
    "design": ("the design is elegant", "the design is ugly and awkward"),
    "instructions": ("the instructions are clear", "the instructions are useless"),
}
OPENINGS = [
    "I bought this {product} last month.",
    "We ordered the {product} for our new flat.",
    "This {product} was a gift for my brother.",
    "I have been using this {product} every day for a few weeks.",
    "My old {product} broke, so I tried this one.",
]
FILLERS = [
    "I compared a few models before buying.",
    "My family uses it too.",
    "It came in a plain cardboard box.",
    "I read many reviews before ordering.",
    "The colour matches the photos.",
]
CLOSINGS = {
    True: ["I would recommend it to anyone.", "I would buy it again.", "Overall I am very happy with it."],
    False: ["I would not recommend it.", "I am sending it back.", "Overall I regret this purchase."],
}
TITLES = {
    True: ["Great {product}, {aspect} is a highlight", "Happy with this {product}, especially the {aspect}"],
    False: ["Disappointing {product}, the {aspect} is the problem", "Avoid this {product}, terrible {aspect}"],
}
EMPHASIS = ["Most of all, ", "Above everything else, ", "What matters most is that "]


def make_review(rng):
    product = rng.choice(PRODUCTS)
    positive = rng.random() < 0.5
    aspects = rng.sample(list(ASPECTS), k=rng.randint(2, 3))
    main_aspect = aspects[-1]  # the emphasized one comes last, after the lead
    sentences = [rng.choice(OPENINGS).format(product=product)]
    if rng.random() < 0.6:
        sentences.append(rng.choice(FILLERS))
    for aspect in aspects[:-1]:
        good = rng.random() < 0.5
        sentences.append(ASPECTS[aspect][0 if good else 1].capitalize() + ".")
    text = ASPECTS[main_aspect][0 if positive else 1]
    sentences.append(rng.choice(EMPHASIS) + text + ".")
    sentences.append(rng.choice(CLOSINGS[positive]))
    title = rng.choice(TITLES[positive]).format(product=product, aspect=main_aspect)
    return {"review_body": " ".join(sentences), "review_title": title}


def generate(count, seed):
    rng = random.Random(seed)
    seen, rows = set(), []
    while len(rows) < count:
        row = make_review(rng)
        if row["review_body"] not in seen:
            seen.add(row["review_body"])
            rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    rows = generate(args.count, args.seed)
    with open(args.output, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    print(f"wrote {len(rows)} reviews to {args.output}")


if __name__ == "__main__":
    main()
