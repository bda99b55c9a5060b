"""Generate tfhf's bundled sample for named-entity recognition: news sentences tagged CoNLL-style.

The course fine-tunes token classification on CoNLL-2003: Reuters news sentences, one token
per word and per punctuation mark, tagged in IOB2 with persons (PER), organizations (ORG),
locations (LOC) and everything else with a name (MISC). This script writes sentences in
that spirit from templates and name lists written for tfhf (license-clean: every person,
company, town, country and event is invented; no sentence comes from CoNLL or Reuters).

Entities come in the shapes the real data has: persons as a surname alone, a first name and
surname, or three tokens ("Jana van Oster", "Ivo K. Marrent"); organizations of one to four
tokens ("Kestrel", "Bank of Aldera", "Northfield Rail Company"); cities, countries, rivers and
regions ("Port Elsin", "Lake Orsa"); MISC nationalities, languages and events ("Veskian",
"Spring Cup"). A sentence has zero to four entities, sometimes two of different types side
by side ("Veskian Tomas Rell"), and a place name also turns up inside an organization or an
event ("Bank of Carrow", "Carrow Marathon"), where its tag changes, so the tagger has to read
the context rather than memorize names.

Validation measures generalization: a good share of its persons, organizations and places
use names training never shows. Besides the lists, a third of first names, surnames, cities
and rivers are coined from syllables on the spot, so names rarely repeat and a tagger must
learn what a name looks like and where it stands. The templates are shared by both splits:
a model trained from scratch cannot know words it never saw, so held-out templates would
measure vocabulary, not tagging.

Usage (the output is committed; rerun only after changing this file):

    python tools/make_ner_sample.py        # writes tfhf/samples/ner/{train,validation}.jsonl

The same seed always gives the same files.
"""

import random
from pathlib import Path

from sample_files import coined_name, count_based_main

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "tfhf" / "samples" / "ner"

# Every name list below is split: three names in ten (spread over the list, so over its shapes) are for
# validation only.
HELD_OUT_EVERY = {0, 3, 6}

FIRST_NAMES = [
    "Tomas", "Mara", "Elin", "Jorik", "Sanne", "Pavel", "Ines", "Oskar", "Lena", "Radu", "Hanna", "Viktor",
    "Aino", "Mateo", "Ilse", "Dario", "Nadia", "Emil", "Katya", "Anselm", "Leif", "Petra", "Bruno", "Greta",
    "Iver", "Jana", "Milos", "Carla", "Ivo", "Selma", "Anders", "Rosa", "Felix", "Dorota", "Kasimir", "Liv",
    "Marek", "Tilde", "Arvid", "Noemi", "Stefan", "Yara", "Henrik", "Olga", "Luca", "Brigit", "Konrad", "Edda",
]  # fmt: skip
SURNAMES = [
    "Vellam", "Ostrik", "Brannholt", "Rell", "Kaskaya", "Dunmere", "Felgar", "Marrent", "Tolvane", "Heskin",
    "Oster", "Varga", "Lindqvar", "Pasco", "Morrow", "Tebbit", "Halvorsk", "Quill", "Sarrat", "Ebbing",
    "Korval", "Nystrand", "Dace", "Albrek", "Ferrow", "Gaskell", "Ivanko", "Jessop", "Keel", "Lomax",
    "Mardell", "Norcott", "Orsini", "Petrak", "Ruskin", "Stavrou", "Thorne", "Urquell", "Valko", "Wendt",
    "Yelland", "Zorić", "Brecka", "Corvin", "Dalmer", "Elstob", "Frayne", "Grell", "Hollis", "Ibarra",
]  # fmt: skip
# Particles and initials make three-token names.
NAME_PARTICLES = ["van", "de", "ter", "da", "von"]
INITIALS = ["A.", "B.", "C.", "D.", "J.", "K.", "M.", "R.", "S.", "T."]

# Country -> its adjective, which names both the people (nationality) and the language: MISC either way.
COUNTRIES = {
    "Aldera": "Alderan",
    "Veskia": "Veskian",
    "Morland": "Morlish",
    "Drovenia": "Drovenian",
    "Kelmar": "Kelmari",
    "Talvor": "Talvorese",
    "Ostrelia": "Ostrelian",
    "Brenn": "Brennish",
    "Sorvay": "Sorvayan",
    "Lurania": "Luranian",
    "Castemar": "Castemaran",
    "Ysel": "Yselish",
    "Pelagon": "Pelagonian",
    "Marovia": "Marovian",
    "Tessaro": "Tessaran",
    "Quarnland": "Quarnish",
    "Haldovia": "Haldovian",
    "Serrat": "Serratine",
}
CITIES = [
    "Carrow", "Elsin", "Dornhelm", "Tolmach", "Brisk", "Marrowick", "Halden", "Vostra", "Kelby", "Orrin",
    "Fenmouth", "Ardal", "Skelby", "Varrow", "Lindholm", "Presk", "Querra", "Ulvik", "Wexmoor", "Zandor",
    "New Carrow", "Port Elsin", "San Orvado", "East Halden", "Saint Amry", "Upper Tolmach", "Port Ravel",
    "Nova Kelby", "Bellmont", "Garrowgate", "Istrel", "Jovan", "Moravel", "Nethering", "Rosk", "Tarnby",
]  # fmt: skip
RIVERS = ["Tarn", "Oskel", "Mirra", "Vell", "Dunna", "Orsk", "Sella", "Brava", "Kessel", "Lora", "Ember", "Yssa"]
REGIONS = [
    "Lake Orsa", "Mount Kell", "Cape Elbor", "North Veskia", "the Brennish Highlands", "West Aldera", "Lake Tiver",
    "Mount Ardal", "the Talvor Valley", "South Marovia", "Cape Dorran", "the Sella Basin",
]  # fmt: skip
# Words that make organizations out of a stem (a place, a surname or a coined word).
COMPANY_KINDS = [
    "Rail Company", "Holdings", "Group", "Motors", "Airlines", "Energy", "Steel", "Telecom", "Foods", "Insurance",
    "Press", "Shipping", "Mining Corporation", "Bank", "Chemicals", "Textiles",
]  # fmt: skip
COINED_COMPANIES = [
    "Kestrel", "Veltro", "Norvane", "Amtrel", "Corisk", "Delvan", "Ostara", "Brightwell", "Pallox", "Quorra",
    "Tessin", "Halcor", "Mervik", "Sundra", "Vantel", "Zephra",
]  # fmt: skip
ACRONYMS = ["KVT", "ORB", "NRC", "DTA", "AFX", "MLB", "SKR", "TVN"]
CLUB_KINDS = ["United", "Rovers", "Athletic", "City", "Wanderers", "Rangers"]
EVENTS = [
    "Spring Cup", "Northern Open", "Winter Games", "World Rowing Championship", "Harvest Festival", "Autumn Classic",
    "Continental Cup", "Masters Trophy", "Grand Regatta", "Coastal Rally", "Summer Games", "Iron Cup",
]  # fmt: skip

# Lower-case words of the templates (never entities).
ROLES = ["foreign minister", "finance minister", "coach", "striker", "chief executive", "ambassador", "union leader"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "March", "April", "June", "July", "September", "October", "December"]
CURRENCIES = ["dollars", "crowns", "marks", "francs"]

# Templates: tokens split on spaces. {TYPE} slots become entities; {day}, {num}, ... are plain words.
# Entity slots: PER (any shape), NAME (first name and surname), ORG (company or institution), CLUB,
# CITY, COUNTRY, RIVER, REGION, LOC (any location), NAT (nationality or language), EVENT.
TEMPLATES = [
    "{PER} , the {NAT} {role} , said on {day} that {ORG} would cut {num} jobs .",
    "{ORG} said its net profit rose {pct} percent in the first half .",
    "{CLUB} beat {CLUB} {score} in {CITY} on {day} .",
    "{PER} scored twice as {CLUB} won the {EVENT} .",
    "{CITY} {date}",
    "The {RIVER} river burst its banks near {CITY} , forcing {num} people from their homes .",
    "{NAME} ( {COUNTRY} ) {time}",
    "{NAT} {NAME} won the {EVENT} in {CITY} on {day} .",
    "{ORG} shares closed {num} cents higher in {CITY} .",
    "Talks between {COUNTRY} and {COUNTRY} on the future of {REGION} will resume next week .",
    "{PER} told reporters in {CITY} that the government would not change its position .",
    "The {NAT} team arrived in {CITY} on {day} for the {EVENT} .",
    "{PER} , who joined {ORG} in {year} , will take over as {role} in {month} .",
    "{ORG} and {ORG} agreed to merge in a deal worth {num} million {currency} .",
    "Most people in {COUNTRY} speak {NAT} , but {NAT} is also taught in schools .",
    '" We are very happy with the result , " {PER} said .',
    "Police in {CITY} arrested {num} people after the {EVENT} .",
    "{COUNTRY} 's {role} {NAME} arrives in {CITY} on {day} for a two-day visit .",
    "{NAME} of {COUNTRY} beat {NAME} {sets} in the first round of the {EVENT} .",
    "The {ORG} plant near {CITY} will close by the end of {year} .",
    "{ORG} , based in {CITY} , makes parts for the {NAT} car industry .",
    "Heavy snow closed roads across {LOC} on {day} .",
    "{PER} replaced {PER} in the {NAT} squad for {day} 's match against {COUNTRY} .",
    "{ORG} said it had won a contract to build a bridge over the {RIVER} in {COUNTRY} .",
    "Flights from {CITY} to {CITY} were delayed by fog on {day} .",
    "{NAME} , {age} , has been named {role} of {CLUB} .",
    "SOCCER - {CLUB} WIN IN {CITY} .",
    "The central bank of {COUNTRY} left interest rates unchanged at {pct} percent .",
    # No entity at all, as CoNLL has plenty of.
    "Shares fell {pct} percent in early trading on {day} .",
    "The match was abandoned at half-time because of heavy rain .",
    "Police said {num} people were hurt when a bus left the road on {day} .",
    "Prices are expected to rise again in {month} , the report said .",
    "The second round will be played on {day} .",
]
# More sentence patterns (once validation-only; now shared, see the module docstring).
TEMPLATES += [
    "{ORG} chairman {NAME} resigned on {day} after a row over pay .",
    "{PER} will lead the {NAT} delegation at the talks in {CITY} .",
    "Fans of {CLUB} travelled to {CITY} for the {EVENT} final .",
    "{COUNTRY} and {ORG} signed a trade agreement in {CITY} on {day} .",
    "Fishing on the {RIVER} was banned after a chemical spill , officials in {COUNTRY} said .",
    "Rain delayed the start of play on {day} .",
]


COINED = {"first", "surname", "city", "river"}
"""Lists whose names are sometimes coined from syllables instead of drawn."""
COINED_SHARE = 0.33


def split_names(names):
    """(training names, validation-only names)."""
    held_out = [name for index, name in enumerate(names) if index % 10 in HELD_OUT_EVERY]
    return [name for name in names if name not in held_out], held_out


class NamePool:
    """Draws entity names (as token lists) from the training names, or from all names with new ones preferred."""

    def __init__(self, rng, held_out):
        self.rng = rng
        self.held_out = held_out  # the chance that a name is taken from the validation-only part
        self.lists = {}
        countries = list(COUNTRIES)
        for key, names in [
            ("first", FIRST_NAMES),
            ("surname", SURNAMES),
            ("country", countries),
            ("city", CITIES),
            ("river", RIVERS),
            ("region", REGIONS),
            ("coined", COINED_COMPANIES),
            ("acronym", ACRONYMS),
            ("event", EVENTS),
        ]:
            self.lists[key] = split_names(names)

    def pick(self, key):
        if key in COINED and self.rng.random() < COINED_SHARE:
            return coined_name(self.rng)
        seen, new = self.lists[key]
        if self.held_out and self.rng.random() < self.held_out:
            return self.rng.choice(new)
        return self.rng.choice(seen)

    def full_name(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            return [self.pick("first"), rng.choice(NAME_PARTICLES), self.pick("surname")]
        if roll < 0.14:
            return [self.pick("first"), rng.choice(INITIALS), self.pick("surname")]
        return [self.pick("first"), self.pick("surname")]

    def person(self):
        return [self.pick("surname")] if self.rng.random() < 0.2 else self.full_name()

    def organization(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            stem = self.pick(rng.choice(["city", "coined", "surname"]))
            return f"{stem} {rng.choice(COMPANY_KINDS)}".split()
        if roll < 0.45:
            return self.pick("coined").split()
        if roll < 0.55:
            return self.pick("acronym").split()
        if roll < 0.7:
            return f"Bank of {self.pick(rng.choice(['country', 'city']))}".split()
        if roll < 0.8:
            return f"University of {self.pick('city')}".split()
        if roll < 0.9:
            return f"{self.pick('country')} Football Association".split()
        return f"{self.pick('surname')} and {self.pick('surname')}".split()  # a law firm or a publisher

    def club(self):
        if self.rng.random() < 0.2:
            return f"FC {self.pick('city')}".split()
        return f"{self.pick('city')} {self.rng.choice(CLUB_KINDS)}".split()

    def event(self):
        roll = self.rng.random()
        if roll < 0.15:
            return f"{self.pick('city')} Marathon".split()
        if roll < 0.25:
            return f"{self.pick('country')} Grand Prix".split()
        return self.pick("event").split()

    def location(self):
        return self.rng.choice([self.city, self.country, self.region])()

    def city(self):
        return self.pick("city").split()

    def country(self):
        return [self.pick("country")]

    def region(self):
        return self.pick("region").split()

    def river(self):
        return [self.pick("river")]

    def nationality(self):
        return [COUNTRIES[self.pick("country")]]

    def entity(self, slot):
        """(tokens, entity type) for an upper-case template slot."""
        makers = {
            "PER": (self.person, "PER"),
            "NAME": (self.full_name, "PER"),
            "ORG": (self.organization, "ORG"),
            "CLUB": (self.club, "ORG"),
            "CITY": (self.city, "LOC"),
            "COUNTRY": (self.country, "LOC"),
            "RIVER": (self.river, "LOC"),
            "REGION": (self.region, "LOC"),
            "LOC": (self.location, "LOC"),
            "NAT": (self.nationality, "MISC"),
            "EVENT": (self.event, "MISC"),
        }
        make, entity_type = makers[slot]
        return make(), entity_type


def plain_word(rng, slot):
    """A non-entity filler for a lower-case template slot (numbers, dates, days, ...)."""
    if slot == "num":
        return str(rng.choice([rng.randint(2, 99), rng.randint(100, 900)]))
    if slot == "pct":
        return f"{rng.randint(0, 12)}.{rng.randint(1, 9)}"
    if slot == "score":
        return f"{rng.randint(0, 5)}-{rng.randint(0, 4)}"
    if slot == "sets":
        return " ".join(f"{6}-{rng.randint(0, 4)}" for _ in range(rng.randint(2, 3)))
    if slot == "time":
        return f"{rng.randint(2, 4)}:{rng.randint(0, 59):02d}.{rng.randint(0, 99):02d}"
    if slot == "date":
        return f"{rng.randint(1990, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if slot == "year":
        return str(rng.randint(1980, 2004))
    if slot == "age":
        return str(rng.randint(24, 68))
    words = {"role": ROLES, "day": DAYS, "month": MONTHS, "currency": CURRENCIES}
    return rng.choice(words[slot])


def make_sentence(rng, template, names):
    """(tokens, IOB2 tags) for one template."""
    tokens, tags, used_names = [], [], set()
    upper_case = template.startswith("SOCCER")  # a headline: CoNLL writes those in capitals
    for piece in template.split():
        if not (piece.startswith("{") and piece.endswith("}")):
            tokens.append(piece)
            tags.append("O")
            continue
        slot = piece[1:-1]
        if slot.isupper():
            words, entity_type = names.entity(slot)
            while " ".join(words) in used_names:  # "flights from Varrow to Varrow": draw another
                words, entity_type = names.entity(slot)
            used_names.add(" ".join(words))
            if upper_case:
                words = [word.upper() for word in words]
            if words[0] == "the":  # "the Talvor Valley": the article is not part of the name, as in CoNLL
                tokens.append(words.pop(0))
                tags.append("O")
            tokens += words
            tags += [f"B-{entity_type}"] + [f"I-{entity_type}"] * (len(words) - 1)
        else:
            words = plain_word(rng, slot).split()
            tokens += words
            tags += ["O"] * len(words)
    return tokens, tags


def generate(train_count, validation_count, seed, held_out_name_chance=0.5):
    rng = random.Random(seed)
    train_names = NamePool(rng, held_out=0)
    validation_names = NamePool(rng, held_out=held_out_name_chance)
    seen = set()

    def unique_row(templates, names):
        while True:
            tokens, tags = make_sentence(rng, rng.choice(templates), names)
            if tuple(tokens) not in seen:
                seen.add(tuple(tokens))
                return {"tokens": tokens, "ner_tags": tags}

    train = [unique_row(TEMPLATES, train_names) for _ in range(train_count)]
    validation = [unique_row(TEMPLATES, validation_names) for _ in range(validation_count)]
    return train, validation


def main():
    count_based_main(__doc__, DEFAULT_OUTPUT, generate, "sentences")


if __name__ == "__main__":
    main()
