"""Stand-ins for the Hub datasets the course trains on, in the Hub's formats and schemas.

Two layouts, as on the Hub:
- Parquet repos (tweet_eval, glue, squad, imdb, codeparrot-ds-train): `CONFIG/SPLIT-00000-of-00001.parquet`
  and a README whose YAML lists the configs' data files and features (what `push_to_hub` writes).
- Script-only repos (kde4, conll2003, amazon_reviews_multi): a loading script and a README on
  main, which datasets >= 4 refuses to run; their data only in the Hub's automatic
  conversion at the revision `refs/convert/parquet`, as `CONFIG/SPLIT/0000.parquet`.

The features are the real datasets' (ClassLabel names, Sequence(ClassLabel) tags, SQuAD's
`answers` struct, KDE4's Translation dict); the rows are tfhf's own generated text
(tools/hub_texts.py), a few hundred to two thousand per split.

`amazon_reviews_multi` is the course's own dataset and schema. On today's Hub it is defunct,
and its copy at mteb/amazon_reviews_multi keeps only id, text, label and label_text: no
review titles to summarize into.
"""

import random
from pathlib import Path
from urllib.parse import quote

import datasets
import yaml
from hub_texts import code_files, english_sentences, rows

CONVERTED = quote("refs/convert/parquet", safe="")
MAX_TRAIN, MAX_EVAL = 2000, 300
EMOTIONS = ["anger", "joy", "optimism", "sadness"]
NER_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
POS_TAGS = ['"', "''", "#", "$", "(", ")", ",", ".", ":", "``", "CC", "CD", "DT", "EX", "FW", "IN", "JJ", "JJR",
            "JJS", "LS", "MD", "NN", "NNP", "NNPS", "NNS", "NN|SYM", "PDT", "POS", "PRP", "PRP$", "RB", "RBR", "RBS",
            "RP", "SYM", "TO", "UH", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "WDT", "WP", "WP$", "WRB"]  # fmt: skip
CHUNK_TAGS = ["O", "B-ADJP", "I-ADJP", "B-ADVP", "I-ADVP", "B-CONJP", "I-CONJP", "B-INTJ", "I-INTJ", "B-LST",
              "I-LST", "B-NP", "I-NP", "B-PP", "I-PP", "B-PRT", "I-PRT", "B-SBAR", "I-SBAR", "B-UCP", "I-UCP",
              "B-VP", "I-VP"]  # fmt: skip
string, int32 = datasets.Value("string"), datasets.Value("int32")


def build_datasets(datasets_root):
    """Writes every dataset stand-in under `datasets_root` (DIR/datasets); returns their ids."""
    root = Path(datasets_root)
    datasets.disable_progress_bars()
    _parquet_repo(root, "tweet_eval", {"emotion": _emotion()})
    _parquet_repo(root, "glue", {"mrpc": _mrpc()})
    _parquet_repo(root, "squad", {"plain_text": _squad()})
    _parquet_repo(root, "imdb", {"plain_text": _imdb()})
    _parquet_repo(root, "huggingface-course/codeparrot-ds-train", {"default": _codeparrot()})
    _script_repo(root, "kde4", {"en-fr": _kde4()})
    _script_repo(root, "conll2003", {"conll2003": _conll()})
    _script_repo(root, "amazon_reviews_multi", {"en": _amazon()})
    return ["tweet_eval", "glue", "squad", "imdb", "huggingface-course/codeparrot-ds-train", "kde4", "conll2003",
            "amazon_reviews_multi"]  # fmt: skip


# --- the datasets


def _emotion():
    features = datasets.Features({"text": string, "label": datasets.ClassLabel(names=EMOTIONS)})
    train, held_out = rows("emotion/train.jsonl")[:MAX_TRAIN], rows("emotion/validation.jsonl")
    labelled = [{"text": row["text"], "label": EMOTIONS.index(row["label"])} for row in train + held_out]
    train, held_out = labelled[: len(train)], labelled[len(train) :]
    return _splits(features, train=train, validation=held_out[:MAX_EVAL], test=held_out[MAX_EVAL : 2 * MAX_EVAL])


def _mrpc():
    """Sentence pairs: a sentence and a reworded copy (equivalent), or two unrelated sentences."""
    features = datasets.Features({"sentence1": string, "sentence2": string,
                                  "label": datasets.ClassLabel(names=["not_equivalent", "equivalent"]), "idx": int32})  # fmt: skip
    rng = random.Random(0)
    sentences = [text for text in english_sentences() if len(text.split()) > 5]
    made = []
    for index in range(MAX_TRAIN + 2 * MAX_EVAL):
        first = rng.choice(sentences)
        equivalent = index % 2 == 0
        second = f"In other words, {first[0].lower()}{first[1:]}" if equivalent else rng.choice(sentences)
        made.append({"sentence1": first, "sentence2": second, "label": int(equivalent), "idx": index})
    return _splits(features, train=made[:MAX_TRAIN], validation=made[MAX_TRAIN : MAX_TRAIN + MAX_EVAL],
                   test=made[MAX_TRAIN + MAX_EVAL :])  # fmt: skip


def _squad():
    answers = datasets.Sequence({"text": string, "answer_start": int32})
    features = datasets.Features(
        {"id": string, "title": string, "context": string, "question": string, "answers": answers}
    )
    train, validation = rows("qa/train.jsonl.gz")[:MAX_TRAIN], rows("qa/validation.jsonl.gz")[:MAX_EVAL]
    return _splits(features, train=[_columns(row, features) for row in train],
                   validation=[_columns(row, features) for row in validation])  # fmt: skip


def _imdb():
    features = datasets.Features({"text": string, "label": datasets.ClassLabel(names=["neg", "pos"])})
    reviews = [row["review_body"] for row in rows("summarization_reviews.jsonl")]
    # a crude sentiment from the review's words: the masked-LM setup reads only the text
    labelled = [{"text": text, "label": int("happy" in text or "great" in text.lower())} for text in reviews]
    unlabelled = [{"text": text, "label": -1} for text in reviews[-MAX_EVAL:]]  # IMDb's unsupervised split: no label
    return _splits(features, train=labelled[:MAX_TRAIN], test=labelled[MAX_TRAIN : MAX_TRAIN + MAX_EVAL],
                   unsupervised=unlabelled)  # fmt: skip


def _codeparrot():
    features = datasets.Features({"repo_name": string, "path": string, "copies": string, "size": string,
                                  "content": string, "license": string})  # fmt: skip
    files = [{"repo_name": f"example/analysis-{index % 40}", "path": f"analysis/run_{index}.py", "copies": "1",
              "size": str(len(content)), "content": content, "license": "mit"} for index, content in enumerate(code_files())]  # fmt: skip
    return _splits(features, train=files)


def _kde4():
    features = datasets.Features({"id": string, "translation": datasets.Translation(languages=["en", "fr"])})
    pairs = rows("translation_en_fr.jsonl")[:MAX_TRAIN]
    return _splits(features, train=[{"id": str(i), "translation": pair} for i, pair in enumerate(pairs)])


def _conll():
    features = datasets.Features({
        "id": string, "tokens": datasets.Sequence(string),
        "pos_tags": datasets.Sequence(datasets.ClassLabel(names=POS_TAGS)),
        "chunk_tags": datasets.Sequence(datasets.ClassLabel(names=CHUNK_TAGS)),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=NER_TAGS)),
    })  # fmt: skip

    def sentence(index, row):
        noun, outside = POS_TAGS.index("NNP"), CHUNK_TAGS.index("O")
        tags = [NER_TAGS.index(tag) for tag in row["ner_tags"]]
        return {"id": str(index), "tokens": row["tokens"], "pos_tags": [noun] * len(tags),
                "chunk_tags": [outside] * len(tags), "ner_tags": tags}  # fmt: skip

    train, held_out = rows("ner/train.jsonl")[:MAX_TRAIN], rows("ner/validation.jsonl")
    return _splits(features, train=[sentence(i, row) for i, row in enumerate(train)],
                   validation=[sentence(i, row) for i, row in enumerate(held_out[:MAX_EVAL])],
                   test=[sentence(i, row) for i, row in enumerate(held_out[MAX_EVAL : 2 * MAX_EVAL])])  # fmt: skip


def _amazon():
    features = datasets.Features({"review_id": string, "product_id": string, "reviewer_id": string, "stars": int32,
                                  "review_body": string, "review_title": string, "language": string,
                                  "product_category": string})  # fmt: skip
    rng = random.Random(0)
    reviews = [{"review_id": f"en_{i:07d}", "product_id": f"product_en_{rng.randrange(10**7):07d}",
                "reviewer_id": f"reviewer_en_{rng.randrange(10**7):07d}", "stars": rng.randint(1, 5),
                "review_body": row["review_body"], "review_title": row["review_title"], "language": "en",
                "product_category": rng.choice(["home", "sports", "electronics", "kitchen"])}
               for i, row in enumerate(rows("summarization_reviews.jsonl"))]  # fmt: skip
    return _splits(features, train=reviews[:MAX_TRAIN], validation=reviews[MAX_TRAIN : MAX_TRAIN + MAX_EVAL],
                   test=reviews[MAX_TRAIN + MAX_EVAL : MAX_TRAIN + 2 * MAX_EVAL])  # fmt: skip


# --- the two repo layouts


def _columns(row, features):
    return {key: row[key] for key in features}


def _splits(features, **splits):
    return {name: datasets.Dataset.from_list(list(made), features=features) for name, made in splits.items()}


def _parquet_repo(root, repo_id, configs):
    folder = root / repo_id / "main"
    folder.mkdir(parents=True, exist_ok=True)
    card = {"configs": [], "dataset_info": []}
    for config, splits in configs.items():
        card["configs"].append({"config_name": config, "data_files": [
            {"split": split, "path": f"{config}/{split}-*"} for split in splits]})  # fmt: skip
        card["dataset_info"].append({"config_name": config, "features": next(iter(splits.values())).features._to_yaml_list(),
                                     "splits": [{"name": s, "num_examples": len(d)} for s, d in splits.items()]})  # fmt: skip
        for split, rows_of_split in splits.items():
            (folder / config).mkdir(exist_ok=True)
            rows_of_split.to_parquet(folder / config / f"{split}-00000-of-00001.parquet")
    header = yaml.safe_dump(card, sort_keys=False)
    (folder / "README.md").write_text(f"---\n{header}---\n\n# {repo_id}\n\ntfhf's stand-in for the Hub dataset.\n")


def _script_repo(root, repo_id, configs):
    name = repo_id.split("/")[-1]
    main = root / repo_id / "main"
    main.mkdir(parents=True, exist_ok=True)
    (main / f"{name}.py").write_text(
        f'"""The {name} loading script, as the Hub repo holds it: datasets >= 4 refuses to run it."""\n\n'
        "import datasets\n\n\n"
        f"class Builder(datasets.GeneratorBasedBuilder):\n    BUILDER_CONFIGS = {sorted(configs)!r}\n"
    )
    (main / "README.md").write_text(
        f"---\npretty_name: {name}\n---\n\n# {name}\n\nData only at refs/convert/parquet.\n"
    )
    for config, splits in configs.items():
        for split, rows_of_split in splits.items():
            target = root / repo_id / CONVERTED / config / split
            target.mkdir(parents=True, exist_ok=True)
            rows_of_split.to_parquet(target / "0000.parquet")
