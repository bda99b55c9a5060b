"""Generate tfhf's bundled sample for text classification: short messages labelled with an emotion.

The course classifies tweets by emotion (tweet_eval "emotion": anger, joy, optimism,
sadness). This script writes messages in that spirit from templates and word lists written
for tfhf (license-clean: no message comes from Twitter or any dataset). A message is about
something that happened to a subject (a train, a football team, an exam, a pet, a friend,
...). The event alone does not decide the label: the same cancelled train makes one writer
angry, another sad and a third hopeful. The emotion lives in cue words and phrases that
move around the message ("I am fuming", "but tomorrow is a new day", "tears again"), often
next to a neutral clause ("Just got home.") or a hashtag, and a few cues are negated the
way people write them: "not happy at all" is anger, "not even angry, just sad" is sadness,
"could not be happier" is joy, "not hopeful anymore" is sadness. So a model has to read
the message, not look at one token position.

Validation measures generalization: about 45% of its rows use a topic, a subject or a
template that training never shows (a concert instead of a train, a held-out sentence
pattern), while the cue vocabulary stays shared, as it would in real data.

Usage (the output is committed; rerun only after changing this file):

    python tools/make_classification_sample.py     # writes tfhf/samples/emotion/{train,validation}.jsonl

The same seed always gives the same files.
"""

import random
import re
from pathlib import Path

from sample_files import count_based_main

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "tfhf" / "samples" / "emotion"

LABELS = ("anger", "joy", "optimism", "sadness")

# What a message is about. Every event is a predicate that fits every subject of its topic:
# "good" things make people glad, "bad" things make them angry or sad (the cue decides which),
# "soon" things are still to come, what people are hopeful (or gloomy) about.
TOPICS = {
    "commute": {
        "subjects": ["the 8:15 train", "the night bus", "the tram to the centre", "the ferry", "the number 12 bus"],
        "good": ["ran on time all week", "had free seats for once", "got me home early", "was quiet and clean"],
        "bad": ["got cancelled again", "sat outside the station for an hour", "broke down halfway to work"],
        "soon": ["will get a new timetable next month", "will run every ten minutes from Monday"],
    },
    "weather": {
        "subjects": ["the weather", "the weekend weather", "the weather at the coast", "the weather in town"],
        "good": ["finally cleared up", "gave us a perfect sunny afternoon", "stayed warm for the picnic"],
        "bad": ["ruined our barbecue", "flooded the street again", "turned grey and cold in June"],
        "soon": ["will turn warm and sunny this weekend", "will clear up by Friday"],
    },
    "football": {
        "subjects": ["the Harbour Hawks", "Redvale United", "the Millbrook Rovers", "our local team", "Eastgate City"],
        "good": ["won 3-0 tonight", "scored in the last minute to win", "finally beat our rivals", "won the league"],
        "bad": ["lost 4-0 at home", "threw away a two-goal lead", "got knocked out of the cup", "sold our captain"],
        "soon": ["will play the final on Saturday", "will sign a new striker this summer"],
    },
    "exams": {
        "subjects": ["my maths exam", "the chemistry test", "my driving test", "the history essay", "my thesis"],
        "good": ["went really well", "came back with top marks", "got a distinction", "is done and passed"],
        "bad": ["went terribly", "came back with a fail", "got marked down for nothing", "has to be redone"],
        "soon": ["will be marked next week", "will be over by Friday"],
    },
    "work": {
        "subjects": ["my boss", "the new manager", "my supervisor", "the head of department", "the team leader"],
        "good": ["gave me a promotion today", "praised my work in front of everyone", "let us all leave early"],
        "bad": ["cancelled my holiday at the last minute", "blamed me for someone else's mistake", "cut our pay"],
        "soon": ["will announce the new roles on Monday", "will review my pay next week"],
    },
    "pets": {
        "subjects": ["my dog", "our cat", "the puppy", "my old dog", "our rabbit"],
        "good": ["learned to sit on command", "came home safe and sound", "finally slept through the night"],
        "bad": ["chewed my new shoes", "got sick again", "ran off in the park and is still missing"],
        "soon": ["will see the vet tomorrow", "will come home from the shelter on Sunday"],
    },
    "friends": {
        "subjects": ["my best friend", "my sister", "my flatmate", "my brother", "my oldest friend"],
        "good": ["surprised me with a party", "came to visit after five years", "got engaged tonight"],
        "bad": ["forgot my birthday again", "moved to the other side of the country", "stopped answering my messages"],
        "soon": ["will visit next weekend", "will be back from abroad in a week"],
    },
    "food": {
        "subjects": ["the pizza place", "the cafe on the corner", "the new restaurant", "the canteen", "the bakery"],
        "good": ["made the best dinner I have had in years", "gave us free dessert", "finally reopened"],
        "bad": ["got my order wrong twice", "closed down without warning", "kept us waiting ninety minutes"],
        "soon": ["will open a second shop near us", "will reopen next month"],
    },
    "health": {
        "subjects": ["my knee", "my back", "my shoulder", "my ankle"],
        "good": ["finally stopped hurting", "held up for the whole run", "healed faster than the doctor said"],
        "bad": ["gave out again on the stairs", "kept me awake all night", "got worse after the physio"],
        "soon": ["will be fully healed by spring", "will be checked by the doctor on Monday"],
    },
    "tech": {
        "subjects": ["my phone", "the laptop", "the internet at home", "the new update", "my computer"],
        "good": ["works perfectly after the repair", "finally got fixed", "made everything twice as fast"],
        "bad": ["crashed and lost all my work", "died in the middle of a call", "stopped working again"],
        "soon": ["will be replaced next week", "will get a fix on Thursday"],
    },
    "delivery": {
        "subjects": ["my parcel", "the delivery", "my online order", "the new sofa", "the package from my aunt"],
        "good": ["arrived a day early", "turned up in perfect condition", "came with a free gift"],
        "bad": ["got lost somewhere again", "arrived smashed to pieces", "went to the wrong address"],
        "soon": ["will arrive tomorrow morning", "will be delivered before the weekend"],
    },
    "housing": {
        "subjects": ["the council", "my landlord", "the neighbours", "the building manager"],
        "good": ["fixed the heating in one day", "planted trees all along our street", "gave us a new kitchen"],
        "bad": ["raised the rent again", "ignored our complaints for months", "kept the whole street awake till 3am"],
        "soon": ["will fix the road next month", "will open a new park in the spring"],
    },
    # Held out: only validation talks about these.
    "music": {
        "subjects": ["the concert", "my favourite band", "the summer festival", "the choir"],
        "good": ["played an amazing set", "sold out in minutes and we got tickets", "played my favourite song"],
        "bad": ["got cancelled on the day", "sounded awful from where we stood", "ended after twenty minutes"],
        "soon": ["will tour here in the summer", "will release a new album in May"],
    },
    "garden": {
        "subjects": ["my tomatoes", "the garden", "my roses", "the vegetable patch"],
        "good": ["gave us a huge harvest", "survived the frost", "looked amazing this morning"],
        "bad": ["got eaten by slugs overnight", "dried out while we were away", "got trampled by the dog"],
        "soon": ["will bloom in a couple of weeks", "will be ready to pick in August"],
    },
    "travel": {
        "subjects": ["our flight", "the holiday", "our trip to the lakes", "the cruise"],
        "good": ["went perfectly from start to finish", "got upgraded for free", "was even better than the photos"],
        "bad": ["got delayed by six hours", "got cancelled at the airport", "was a total mess"],
        "soon": ["will start in three days", "will finally happen in July"],
    },
}
HELD_OUT_TOPICS = ("music", "garden", "travel")
# The last subject of every training topic is kept for validation.

# Cue words and phrases. Written lower-case; sentence starts are capitalized afterwards.
CUES = {
    "angry": ["furious", "so angry", "livid", "fuming", "raging", "so mad", "absolutely seething", "really annoyed"],
    "anger_line": [
        "unbelievable!!",
        "this is a joke.",
        "absolutely ridiculous.",
        "how is this acceptable?",
        "sort it out!",
        "I have had enough of this.",
        "disgraceful.",
        "seriously, who is in charge here?",
    ],
    "happy": ["so happy", "delighted", "thrilled", "over the moon", "buzzing", "overjoyed", "so glad", "chuffed"],
    "joy_line": [
        "best day ever!!",
        "can't stop smiling.",
        "love it!",
        "what a day!",
        "this made my week.",
        "pure happiness.",
        "laughing all the way home.",
        "honestly wonderful.",
    ],
    "hopeful": ["hopeful", "confident", "positive", "optimistic", "quietly confident", "really hopeful"],
    "hope_line": [
        "tomorrow is a new day.",
        "things will get better.",
        "we will get there.",
        "better days are coming.",
        "it will be worth it in the end.",
        "it will all work out.",
        "the best is yet to come.",
        "I know we can turn this around.",
    ],
    "sad": ["so sad", "heartbroken", "really down", "miserable", "gutted", "lonely", "empty", "low"],
    "sad_line": [
        "I just want to stay in bed...",
        "can't stop crying.",
        "everything feels so grey.",
        "nothing ever goes right.",
        "I miss how things used to be...",
        "feeling so alone tonight.",
        "tears again.",
        "what is even the point...",
    ],
}
ENDINGS = [".", "!", "!!", "...", "!!!", "."]

# Slots: {good}, {bad}, {soon} are "subject + event" clauses; the others are cues from CUES, and {end} is
# closing punctuation. Several templates negate a cue of another emotion, as people do.
TEMPLATES = {
    "anger": [
        "{bad}. {anger_line}",
        "I am {angry}, {bad}{end}",
        "can't believe {bad}. {anger_line}",
        "{bad} and I am {angry}{end}",
        "{bad}. I am not happy at all{end}",
        "{bad}. Every single time. {anger_line}",
        "{bad}. Not impressed, {anger_line}",
        "why is it always us? {bad}. I am {angry}{end}",
    ],
    "joy": [
        "{good}{end} {joy_line}",
        "I am {happy}, {good}!",
        "{good} and I could not be happier{end}",
        "guess what: {good}. {joy_line}",
        "forget that {bad}: {good}! {joy_line}",
        "{good}. No complaints at all, {joy_line}",
        "{good} and I am {happy}{end}",
        "can't believe {good}! {happy} right now.",
    ],
    "optimism": [
        "{bad}, but {hope_line}",
        "{soon}. Feeling {hopeful}{end}",
        "not giving up. {bad}, but {hope_line}",
        "{soon} and I am {hopeful} it will go well{end}",
        "{good}, and {hope_line}",
        "rough week, {bad}. Still, {hope_line}",
        "{bad}, but I'm not losing hope{end}",
        "{soon}. {hope_line}",
    ],
    "sadness": [
        "{bad} and I just feel {sad}...",
        "feeling {sad} tonight. {bad}.",
        "{bad}. Not even angry, just {sad}.",
        "{bad}. {sad_line}",
        "{soon}, but I'm not hopeful anymore...",
        "{good}, but I can't feel happy about anything lately. {sad_line}",
        "I used to love this. Now {bad}. {sad_line}",
        "{bad}. Honestly {sad}{end}",
    ],
}
# Sentence patterns only validation uses; they still carry cues from CUES.
HELD_OUT_TEMPLATES = {
    "anger": ["honestly {angry} right now because {bad}.", "who thought this was ok? {bad}{end} I am {angry}."],
    "joy": ["still {happy} about it: {good}.", "{good} and everyone is smiling. {joy_line}"],
    "optimism": ["whatever happens, I am {hopeful}: {soon}.", "{bad}. Oh well, {hope_line}"],
    "sadness": ["quiet evening, {sad} because {bad}.", "{bad}... {sad_line} Really {sad}."],
}

# Clauses that carry no emotion, before or after the message.
NEUTRAL_OPENINGS = [
    "just got home.",
    "writing this on the bus.",
    "it's Tuesday.",
    "quick update:",
    "coffee in hand.",
    "ok so",
    "right,",
    "day three of the new routine.",
    "back from the shops.",
    "so,",
]
NEUTRAL_CLOSINGS = ["Anyway, dinner time.", "More later.", "Off to bed now.", "That's all for today.", "Back to work."]
HASHTAGS = ["#monday", "#life", "#today", "#weekend", "#update", "#thoughts", "#nofilter", "#random"]


def sentence_case(text):
    """Capitalize the first letter of the message and of every sentence in it."""
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda match: match.group(1) + match.group(2).upper(), text)


def make_message(rng, template, topic, subject):
    events = TOPICS[topic]
    slots = {name: rng.choice(words) for name, words in CUES.items()}
    slots["good"] = f"{subject} {rng.choice(events['good'])}"
    slots["bad"] = f"{subject} {rng.choice(events['bad'])}"
    slots["soon"] = f"{subject} {rng.choice(events['soon'])}"
    slots["end"] = rng.choice(ENDINGS)
    text = template.format(**slots)
    # A neutral clause, a mention or a hashtag around the message moves every cue to a new position.
    if rng.random() < 0.35:
        text = rng.choice(NEUTRAL_OPENINGS) + " " + text
    if rng.random() < 0.2:
        text = text + " " + rng.choice(NEUTRAL_CLOSINGS)
    text = sentence_case(text)
    if rng.random() < 0.15:
        text = "@user " + text
    if rng.random() < 0.2:
        text = text + " " + rng.choice(HASHTAGS)
    if rng.random() < 0.1:
        text = text.lower()  # some people never use capitals
    return text


def pools(held_out):
    """(topic, subject) pairs and templates per label: the training ones, or the held-out ones."""
    pairs = []
    for topic, events in TOPICS.items():
        if topic in HELD_OUT_TOPICS:
            if held_out:
                pairs += [(topic, subject) for subject in events["subjects"]]
        elif held_out:
            pairs.append((topic, events["subjects"][-1]))
        else:
            pairs += [(topic, subject) for subject in events["subjects"][:-1]]
    templates = HELD_OUT_TEMPLATES if held_out else TEMPLATES
    return pairs, templates


def generate(train_count, validation_count, seed, held_out_share=0.45):
    rng = random.Random(seed)
    seen_pairs, seen_templates = pools(held_out=False)
    new_pairs, new_templates = pools(held_out=True)
    seen_texts = set()

    def unique_row(label, pairs, templates):
        while True:
            topic, subject = rng.choice(pairs)
            text = make_message(rng, rng.choice(templates[label]), topic, subject)
            if text not in seen_texts:
                seen_texts.add(text)
                return {"text": text, "label": label}

    train = [unique_row(LABELS[i % len(LABELS)], seen_pairs, seen_templates) for i in range(train_count)]
    validation = []
    for i in range(validation_count):
        label = LABELS[i % len(LABELS)]
        if rng.random() >= held_out_share:
            validation.append(unique_row(label, seen_pairs, seen_templates))  # new message, familiar parts
            continue
        # Something training never showed: a subject, a template, or both.
        kind = rng.choice(["subject", "template", "both"])
        pairs = new_pairs if kind in ("subject", "both") else seen_pairs
        templates = new_templates if kind in ("template", "both") else seen_templates
        validation.append(unique_row(label, pairs, templates))
    rng.shuffle(train)
    rng.shuffle(validation)
    return train, validation


def main():
    count_based_main(__doc__, DEFAULT_OUTPUT, generate, "messages")


if __name__ == "__main__":
    main()
