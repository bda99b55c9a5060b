"""Generate tfhf's bundled sample for extractive question answering, in the SQuAD v1.1 shape.

The course fine-tunes question answering on SQuAD: encyclopedia paragraphs, questions about
them, and each answer as a span of the paragraph (its text and its character offset). This
script writes articles in that spirit from templates and word lists written for tfhf
(license-clean: every town, company, person and river is invented; no text comes from
Wikipedia or SQuAD).

An article (100 to 220 words) is about a town, a company, a person or a river. It opens
with an introduction, then gives three to five of its kind's facts (founding year,
founder, river, population, mayor, products, colours, ...) in one of several phrasings
each and in a random order, with filler sentences that answer nothing spread between
them. Most articles are longer than one 192-token window, so a reader that cuts them into
overlapping windows must find answers anywhere: every article has a question whose answer
lies after its first 70 words. Training asks about every fact an article gives (dense
supervision: a small model learns to read within the recipe's few minutes); validation
asks four to six questions per article. Each question is in one of several wordings ("Who founded X?",
"X was founded by whom?"), and the same kind of answer appears more than once (a founding
year, a railway year, a mayor's year), so the question has to be read, not just its type.

Validation measures generalization: its articles are about towns, companies, people and
rivers that training never names, and most other names in them are new too (not the
sixteen countries of this invented world: both splits share them, as SQuAD's splits share
the real ones). As in SQuAD's validation set, many questions have two or three reference
answers ("1887" and "in 1887", "Mara Lind" and "Lind"), each with its own offset.
Training questions have one answer each.

Usage (the output is committed; rerun only after changing this file):

    python tools/make_qa_sample.py         # writes tfhf/samples/qa/{train,validation}.jsonl.gz

The same seed always gives the same files.
"""

import argparse
import random
import string
from pathlib import Path

import qa_vocabulary as words  # beside this file
from qa_articles import ARTICLES
from sample_files import coined_name, write_splits

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "tfhf" / "samples" / "qa"

MIN_WORDS, MAX_WORDS = 100, 220
LATE_ANSWER_WORD = 70  # every article asks at least one question whose answer starts after this many words

FORMATTER = string.Formatter()

PERSON_FIELDS = {"founder", "mayor", "chief", "teacher", "spouse"}


def split_parts(parts):
    """(training parts, validation-only parts): every fourth part is held out."""
    return [part for index, part in enumerate(parts) if index % 4], parts[::4]


COINED = {"first", "surname", "river_start", "town_start"}
"""Name parts that are sometimes coined from syllables instead of drawn from the lists."""
COINED_SHARE = 0.33


class Names:
    """Invented names for one split. The validation split draws held-out parts, so its names are new."""

    def __init__(self, rng, held_out):
        self.rng = rng
        self.held_out = held_out  # the chance that a secondary name uses held-out parts
        self.parts = {
            "town_start": split_parts(words.TOWN_STARTS),
            "river_start": split_parts(words.RIVER_STARTS),
            "first": split_parts(words.FIRST_NAMES),
            "surname": split_parts(words.SURNAMES),
        }

    def part(self, key, new=None):
        if key in COINED and self.rng.random() < COINED_SHARE:
            return coined_name(self.rng)
        seen, held_out = self.parts[key]
        if new is None:
            new = self.rng.random() < self.held_out
        return self.rng.choice(held_out if new else seen)

    def town(self, new=None):
        return self.part("town_start", new) + self.rng.choice(words.TOWN_ENDS)

    def river(self, new=None):
        return self.part("river_start", new) + self.rng.choice(words.RIVER_ENDS)

    def person(self, new=None):
        return f"{self.part('first', new)} {self.part('surname', new)}"

    def country(self):
        # Both splits share the world's countries, as SQuAD's splits share the real ones: a model
        # cannot learn that a word it never saw is a country from twelve examples (docs/tasks/question-answering.md).
        return self.rng.choice(words.COUNTRIES)

    def company(self, new=None):
        if self.rng.random() < 0.3:
            return f"{self.part('surname', new)} {self.rng.choice(['& Sons', 'Brothers'])}"
        return f"{self.town(new)} {self.rng.choice(words.COMPANY_KINDS)}"

    def distinct(self, make, count, avoid=()):
        """`count` different names from `make`, none of them in `avoid`."""
        names = []
        while len(names) < count:
            name = make()
            if name not in names and name not in avoid:
                names.append(name)
        return names


def distinct_years(rng, ranges):
    """One year from each (low, high) range, all different (an article never gives two facts the same year)."""
    while True:
        years = [rng.randint(low, high) for low, high in ranges]
        if len(set(years)) == len(years):
            return [str(year) for year in years]


def colour_pair(rng):
    first, second = rng.sample(words.COLOURS, 2)
    return f"{first} and {second}"


def town_values(rng, names, new):
    name = names.town(new)
    founded = rng.randint(1150, 1800)
    founded_year, railway_year, landmark_year, mayor_year = distinct_years(
        rng, [(founded, founded), (max(founded + 20, 1835), 1912), (founded + 10, 1905), (1994, 2022)]
    )
    founder, mayor = names.distinct(names.person, 2)
    rail_town, twin = names.distinct(names.town, 2, avoid={name})
    country, twin_country = names.distinct(names.country, 2)
    landmark = f"{rng.choice([names.part('surname'), 'Old', 'Market', 'Saint ' + names.part('first')])} "
    landmark += rng.choice(words.LANDMARK_KINDS)
    return name, {
        "name": name,
        "region": rng.choice(words.REGIONS),
        "country": country,
        "founded_year": founded_year,
        "founder": founder,
        "river": names.river(),
        "population": f"{rng.randrange(1500, 90000, 100):,}",
        "mayor": mayor,
        "mayor_year": mayor_year,
        "product": rng.choice(words.PRODUCTS),
        "colours": colour_pair(rng),
        "railway_year": railway_year,
        "rail_town": rail_town,
        "landmark": landmark,
        "landmark_year": landmark_year,
        "twin": twin,
        "twin_country": twin_country,
    }


def company_values(rng, names, new):
    name = names.company(new)
    founded = rng.randint(1780, 1930)
    founded_year, factory_year, sold_year, chief_year = distinct_years(
        rng, [(founded, founded), (founded + 5, founded + 40), (founded + 45, 2000), (1995, 2022)]
    )
    founder, chief = names.distinct(names.person, 2)
    hq, factory_town = names.distinct(names.town, 2)
    return name, {
        "name": name,
        "country": names.country(),
        "hq": hq,
        "founded_year": founded_year,
        "founder": founder,
        "product": rng.choice(words.PRODUCTS),
        "chief": chief,
        "chief_year": chief_year,
        "employees": f"{rng.randrange(40, 9000, 10):,}",
        "colours": colour_pair(rng),
        "first_product": rng.choice(words.FIRST_PRODUCTS),
        "factory_year": factory_year,
        "factory_town": factory_town,
        "buyer": names.distinct(names.company, 1, avoid={name})[0],
        "sold_year": sold_year,
    }


def person_values(rng, names, new):
    name = names.person(new)
    born = rng.randint(1780, 1920)
    birth_year, marriage_year, work_year, award_year, death_year = distinct_years(
        rng,
        [(born, born), (born + 20, born + 35), (born + 25, born + 60), (born + 30, born + 65), (born + 66, born + 95)],
    )
    teacher, spouse = names.distinct(names.person, 2, avoid={name})
    birthplace, study_town, home_town, death_place = names.distinct(names.town, 4)
    return name, {
        "name": name,
        "short": name.split()[-1],
        "profession": rng.choice(words.PROFESSIONS),
        "country": names.country(),
        "birth_year": birth_year,
        "birthplace": birthplace,
        "teacher": teacher,
        "study_town": study_town,
        "work": rng.choice(words.WORKS),
        "work_year": work_year,
        "spouse": spouse,
        "marriage_year": marriage_year,
        "award": f"{names.part('surname')} {rng.choice(['Prize', 'Medal', 'Award'])}",
        "award_year": award_year,
        "home_town": home_town,
        "death_year": death_year,
        "death_place": death_place,
    }


def river_values(rng, names, new):
    river = names.river(new)
    bridge_year, dam_year = distinct_years(rng, [(1100, 1850), (1900, 1985)])
    mouth_town, largest_town, bridge_town = names.distinct(names.town, 3)
    country, border_country = names.distinct(names.country, 2)
    return f"{river} (river)", {
        "river": river,
        "country": country,
        "region": rng.choice(words.REGIONS),
        "length": f"{rng.randint(40, 900)} kilometres",
        "mountain": f"Mount {names.part('town_start')}{rng.choice(['en', 'ar', 'ell', 'ock'])}",
        "sea": rng.choice(words.SEAS),
        "mouth_town": mouth_town,
        "largest_town": largest_town,
        "tributary": names.distinct(names.river, 1, avoid={river})[0],
        "bridge_year": bridge_year,
        "bridge_town": bridge_town,
        "fish": rng.choice(words.FISH),
        "meaning": rng.choice(words.MEANINGS),
        "border_country": border_country,
        "dam_year": dam_year,
    }


MAKE_VALUES = {"town": town_values, "company": company_values, "person": person_values, "river": river_values}


def render(template, values):
    """The template filled in, capitalized, and where each field starts in it: {field: offset}."""
    text, starts = "", {}
    for literal, field, _spec, _conversion in FORMATTER.parse(template):
        text += literal
        if field is not None:
            starts.setdefault(field, len(text))
            text += values[field]
    return text[0].upper() + text[1:], starts


def word_count(sentences):
    return sum(len(sentence.split()) for sentence in sentences)


def build_context(rng, kind, values):
    """(context, {field: offset of its first mention}): intro, facts in random order, fillers between them."""
    article = ARTICLES[kind]
    groups = article["facts"]
    # A few facts, not all: fewer same-type distractors (the founding year beside the railway year)
    # made the embedded default learn faster (F1 49 vs 44 at the same steps, docs/tasks/question-answering.md).
    keep = rng.randint(3, 5)
    templates = [rng.choice(group) for group in rng.sample(groups, keep)]
    templates.insert(0, rng.choice(article["intros"]))
    fillers = rng.sample(article["fillers"], len(article["fillers"]))
    target = rng.randint(MIN_WORDS + 5, 170)
    # Fillers go anywhere after the intro, so facts land at any depth of the article.
    while fillers and word_count(templates) < target:
        templates.insert(rng.randint(1, len(templates)), fillers.pop())
    sentences, offsets, position = [], {}, 0
    for template in templates:
        sentence, starts = render(template, values)
        for field, start in starts.items():
            offsets.setdefault(field, position + start)
        sentences.append(sentence)
        position += len(sentence) + 1
    return " ".join(sentences), offsets


def alternative_answers(context, field, start, text):
    """Other spans a person would accept, as SQuAD's annotators gave them: "in 1887", "Lind", "the Tarnel"."""
    alternatives = []
    lead_words = ["the "]
    if field.endswith("_year"):
        lead_words += ["in ", "since "]
    if field in ("population", "employees"):
        lead_words += ["about ", "around ", "some "]
    for word in lead_words:
        begin = start - len(word)
        if begin >= 0 and context[begin:start].lower() == word and (begin == 0 or context[begin - 1] == " "):
            alternatives.append((begin, context[begin : start + len(text)]))
    if field in PERSON_FIELDS or field == "name":
        surname = text.split()[-1]
        alternatives.append((start + len(text) - len(surname), surname))
    if field == "length":
        number = text.split()[0]
        alternatives.append((start, number))
    return alternatives


def make_questions(rng, kind, values, context, offsets, alternatives, every_fact=False):
    """Four to six (field, question, answers) for the article, at least one answered after LATE_ANSWER_WORD words.

    With every_fact, one question for each fact the article gives."""
    asked = [field for field in ARTICLES[kind]["questions"] if field in offsets]
    late = [field for field in asked if len(context[: offsets[field]].split()) >= LATE_ANSWER_WORD]
    if not late:
        return None
    first = rng.choice(late)
    rest = [field for field in asked if field != first]
    fields = [first] + rng.sample(rest, len(rest) if every_fact else min(len(rest), rng.randint(3, 5)))
    questions = []
    for field in fields:
        question = rng.choice(ARTICLES[kind]["questions"][field]).format(**values)
        start = offsets[field]
        text = context[start : start + len(values[field])]
        spans = [(start, text)]
        if alternatives:
            spans += alternative_answers(context, field, start, text)[:2]
        for span_start, span_text in spans:
            assert context[span_start : span_start + len(span_text)] == span_text
        answers = {"text": [span[1] for span in spans], "answer_start": [span[0] for span in spans]}
        questions.append((question, answers))
    rng.shuffle(questions)
    return questions


def generate_split(rng, split, count, names, new_titles, avoid_titles, kinds, every_fact=False):
    rows, titles, article_number = [], set(), 0
    while article_number < count:
        kind = kinds[article_number % len(kinds)]
        title, values = MAKE_VALUES[kind](rng, names, new_titles)
        if title in titles or title in avoid_titles:
            continue
        context, offsets = build_context(rng, kind, values)
        words = len(context.split())
        questions = make_questions(
            rng, kind, values, context, offsets, alternatives=split == "validation", every_fact=every_fact
        )
        if not MIN_WORDS <= words <= MAX_WORDS or questions is None:
            continue
        titles.add(title)
        for number, (question, answers) in enumerate(questions):
            rows.append(
                {
                    "id": f"{split}-{article_number:04d}-{number}",
                    "title": title,
                    "context": context,
                    "question": question,
                    "answers": answers,
                }
            )
        article_number += 1
    return rows, titles


def generate(train_articles, validation_articles, seed, kinds=tuple(ARTICLES), every_fact=False):
    rng = random.Random(seed)
    train, train_titles = generate_split(
        rng, "train", train_articles, Names(rng, held_out=0), False, set(), kinds, every_fact
    )
    validation, _ = generate_split(
        rng, "validation", validation_articles, Names(rng, held_out=0.7), True, train_titles, kinds
    )
    return train, validation


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-articles", type=int, default=3600)
    parser.add_argument("--validation-articles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="+", choices=list(ARTICLES), default=list(ARTICLES), help="kinds of article")
    parser.add_argument(
        "--every-fact",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="in train, ask about every fact of an article (--no-every-fact: four to six questions, as validation)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for train.jsonl, validation.jsonl")
    args = parser.parse_args()
    train, validation = generate(
        args.train_articles, args.validation_articles, args.seed, tuple(args.kinds), args.every_fact
    )
    write_splits(args.output, {"train": train, "validation": validation}, "questions", compress=True)


if __name__ == "__main__":
    main()
