"""Generate tfhf's bundled sample for extractive question answering, in the SQuAD v1.1 shape.

The course fine-tunes question answering on SQuAD: encyclopedia paragraphs, questions about
them, and each answer as a span of the paragraph (its text and its character offset). This
script writes articles in that spirit from templates and word lists written for tfhf
(license-clean: every town, company, person and river is invented; no text comes from
Wikipedia or SQuAD).

An article (180 to 320 words) is about a town, a company, a person or a river. It opens
with an introduction, then gives its facts (founding year, founder, river, population,
mayor, products, colours, ...) in one of several phrasings each and in a random order,
with filler sentences that answer nothing spread between them. The articles are longer
than one 128-token window, so a reader that cuts them into overlapping windows must find
answers anywhere: every article has questions whose answer lies after its first 100 words.
Each article gets four to six questions, each in one of several wordings ("Who founded X?",
"X was founded by whom?"), and the same kind of answer appears more than once (a founding
year, a railway year, a mayor's year), so the question has to be read, not just its type.

Validation measures generalization: its articles are about towns, companies, people and
rivers that training never names, most other names in them are new too, and, as in SQuAD's
validation set, many questions have two or three reference answers ("1887" and "in 1887",
"Mara Lind" and "Lind"), each with its own offset. Training questions have one answer each.

Usage (the output is committed; rerun only after changing this file):

    python tools/make_qa_sample.py         # writes tfhf/samples/qa/{train,validation}.jsonl

The same seed always gives the same files.
"""

import argparse
import random
import string
from pathlib import Path

from sample_files import coined_name, write_splits

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "tfhf" / "samples" / "qa"

MIN_WORDS, MAX_WORDS = 180, 320
LATE_ANSWER_WORD = 100  # every article asks at least one question whose answer starts after this many words

# Name parts. One part in four (every fourth one) is held out for validation.
TOWN_STARTS = [
    "Ald", "Bran", "Cor", "Dun", "Ell", "Fen", "Gar", "Hal", "Kel", "Lor", "Mar", "Nor", "Ost", "Pel", "Quen",
    "Ros", "Sal", "Tor", "Ulm", "Ver", "Wen", "Yar", "Ash", "Brom", "Carn", "Dray", "Esk", "Frith", "Glen", "Hurn",
    "Ingle", "Kirk", "Lang", "Mel", "Nether", "Orm", "Pen", "Rath", "Stan", "Thorn", "Wald", "Barrow", "Cal",
    "Elm", "Hart", "Lyn", "Moss", "Whit",
]  # fmt: skip
TOWN_ENDS = ["ford", "wick", "ham", "by", "stead", "mouth", "bridge", "holm", "dale", "ton", "mere", "gate", "field"]
RIVER_STARTS = [
    "Tarn", "Osk", "Mirr", "Vell", "Dunn", "Ors", "Sell", "Brav", "Kess", "Lor", "Emb", "Yss", "Arr", "Colv", "Dwen",
    "Ferr", "Gill", "Hask", "Isl", "Marr", "Nenn", "Ott", "Penn", "Rask", "Sav", "Tull", "Ud", "Varr", "Wenn",
    "Zell", "Amb", "Cran",
]  # fmt: skip
RIVER_ENDS = ["el", "a", "ey", "in", "wy", "ore", "an", "ith", "en", "ow"]
FIRST_NAMES = [
    "Mara", "Tomas", "Elin", "Jorik", "Sanne", "Pavel", "Ines", "Oskar", "Lena", "Radu", "Hanna", "Viktor", "Aino",
    "Mateo", "Ilse", "Dario", "Nadia", "Emil", "Katya", "Anselm", "Leif", "Petra", "Bruno", "Greta", "Iver", "Jana",
    "Milos", "Carla", "Ivo", "Selma", "Anders", "Rosa", "Felix", "Dorota", "Arvid", "Noemi", "Henrik", "Olga",
    "Konrad", "Edda",
]  # fmt: skip
SURNAMES = [
    "Lind", "Vellam", "Ostrik", "Brannholt", "Rell", "Kaskaya", "Dunmere", "Felgar", "Marrent", "Tolvane",
    "Heskin", "Oster", "Varga", "Lindqvar", "Pasco", "Morrow", "Tebbit", "Halvorsk", "Quill", "Sarrat", "Ebbing",
    "Korval", "Nystrand", "Dace", "Albrek", "Ferrow", "Gaskell", "Ivanko", "Jessop", "Keel", "Lomax", "Mardell",
    "Norcott", "Orsini", "Petrak", "Ruskin", "Stavrou", "Thorne", "Urquell", "Valko", "Wendt", "Yelland",
    "Brecka", "Corvin", "Dalmer", "Elstob", "Frayne", "Grell", "Hollis", "Ibarra", "Jurek", "Kellaway", "Moberg",
    "Pellow", "Radcliff", "Sorensk", "Tamsin", "Vance", "Whitlow", "Zeller",
]  # fmt: skip
COUNTRIES = [
    "Aldera", "Veskia", "Morland", "Drovenia", "Kelmar", "Talvor", "Ostrelia", "Brenn", "Sorvay", "Lurania",
    "Castemar", "Ysel", "Pelagon", "Marovia", "Tessaro", "Quarnland",
]  # fmt: skip
# Shared by both splits: common words, not names a model could memorize an answer from.
REGIONS = ["Northern", "Lowland", "Coastal", "Upland", "Lakes", "Eastern", "Forest", "Western", "Southern", "Marsh"]
COLOURS = ["red", "white", "blue", "green", "gold", "black", "yellow", "purple", "silver", "orange"]
PRODUCTS = [
    "bicycles", "wall clocks", "glass bottles", "woollen blankets", "steam pumps", "radios", "pencils",
    "ceramic tiles", "fishing nets", "pianos", "fishing boats", "leather boots", "church bells", "telescopes",
    "printed maps", "sewing machines", "typewriters", "candles", "oak barrels", "copper kettles", "tin toys",
    "paper lanterns", "garden tools", "rope ladders",
]  # fmt: skip
FIRST_PRODUCTS = [
    "a hand-cranked clock", "a folding chair", "a brass lamp", "a wooden sledge", "a pocket compass",
    "a rowing boat", "a coffee mill", "a horse collar", "a letter press", "a weather vane",
]  # fmt: skip
PROFESSIONS = [
    "painter", "architect", "botanist", "composer", "engineer", "novelist", "cartographer", "glassblower",
    "astronomer", "photographer", "sculptor", "surgeon", "poet", "shipbuilder",
]  # fmt: skip
WORKS = [
    "The Salt Road", "Winter Lanterns", "The Glass Orchard", "North of the Mill", "The Quiet Harbour",
    "Seven Bridges", "The Copper Sky", "A Field of Bells", "The Long Tide", "Lamps in the Fog", "The Iron Garden",
    "Songs of the Ferry", "The Last Orchard", "Under the Weir", "The Paper Fleet", "Evening at the Lock",
]  # fmt: skip
COMPANY_KINDS = ["Works", "Manufacturing Company", "Industries", "Mills", "Engineering", "Trading Company"]
LANDMARK_KINDS = ["Tower", "Hall", "Corn Exchange", "Clock House", "Bridge", "Chapel", "Library"]
SEAS = ["Grey Sea", "Amber Sea", "Northern Sea", "Gulf of Varrow", "Bay of Kells", "Pale Sea", "Inner Sea"]
FISH = ["trout", "salmon", "eels", "pike", "grayling", "crayfish", "perch", "carp"]
MEANINGS = ["slow water", "white stream", "bright river", "the winding one", "cold spring", "deep ford", "grey stone"]

FORMATTER = string.Formatter()

# One entry per kind of article. "facts" are groups of alternative phrasings of the same facts; each
# question template asks for one field (its key) and may name other fields of the same article.
ARTICLES = {
    "town": {
        "intros": [
            "{name} is a market town in the {region} region of {country}.",
            "{name} is a small town in {country}, in the {region} region.",
            "{name} is a town in the {region} region of {country}, known locally for its old stone walls.",
        ],
        "facts": [
            [
                "{name} was founded in {founded_year} by {founder}, a wool merchant.",
                "The town was established by {founder} in {founded_year}, when a small market grew up at the ford.",
                "In {founded_year}, {founder} built the first houses on the site that would become {name}.",
            ],
            [
                "The {river} flows through the centre of {name}.",
                "{name} stands on the banks of the {river}, which floods the lower streets every few winters.",
                "The old road crossed the {river} at this point, and the town grew up around the crossing.",
            ],
            [
                "{name} has a population of about {population}.",
                "At the last census, {population} people lived in the town.",
                "Today the town is home to around {population} residents.",
            ],
            [
                "The current mayor, {mayor}, has held the office since {mayor_year}.",
                "Since {mayor_year} the town council has been led by mayor {mayor}.",
                "{mayor} was elected mayor of {name} in {mayor_year}.",
            ],
            [
                "{name} is best known for its {product}.",
                "For more than a century, most families in the town made {product}.",
                "The workshops of the town still produce {product}, which are sold across {country}.",
            ],
            [
                "The town colours are {colours}.",
                "Its flag shows the town colours, {colours}.",
                "{colours} are the official colours of {name}.",
            ],
            [
                "The railway reached {name} in {railway_year}, linking it to {rail_town}.",
                "A railway station opened in {railway_year}, with trains running to {rail_town}.",
            ],
            [
                "The best-known building in the town is the {landmark}, built in {landmark_year}.",
                "Visitors come to see the {landmark}, which was completed in {landmark_year}.",
            ],
            [
                "{name} is twinned with {twin}, a town in {twin_country}.",
                "The town has been twinned with {twin} in {twin_country} for many years.",
            ],
        ],
        "fillers": [
            "The surrounding countryside is mostly farmland, with small woods on the higher ground.",
            "A weekly market is held in the main square, as it has been for centuries.",
            "Many of the older houses are built of a pale local stone.",
            "The town has two primary schools, a secondary school and a small public library.",
            "Visitors often walk along the old towpath, which follows the water for several kilometres.",
            "Winters are cold and wet, while the summers are usually mild and bright.",
            "Several local families have lived in the town for many generations.",
            "A festival with music, food and a parade takes place there every summer.",
            "The narrow streets of the old quarter are closed to cars at weekends.",
            "Local historians have written a number of books about the history of the town.",
            "The surrounding hills are popular with walkers and cyclists.",
            "A small museum near the square tells the story of the town and its trades.",
            "Buses connect the town with the villages around it several times a day.",
            "The town has a football club, a rowing club and an amateur theatre group.",
            "The old town hall now houses the tourist office and a small gallery.",
            "Most shops close early on Wednesdays, an old custom that the town has kept.",
            "Children from the nearby villages come to the town to go to school.",
            "The main street is lined with lime trees planted by the council long ago.",
            "Many residents work in the larger towns nearby and travel there by train or bus.",
            "The parish church has a tall spire that can be seen from far away.",
            "The local newspaper is published once a week and is read in most homes.",
            "An annual horse fair once drew traders from across the region.",
        ],
        "questions": {
            "founded_year": [
                "In what year was {name} founded?",
                "When was {name} founded?",
                "When did {founder} found {name}?",
                "{name} was founded in which year?",
            ],
            "founder": ["Who founded {name}?", "Who established the town of {name}?", "{name} was founded by whom?"],
            "river": [
                "Which river flows through {name}?",
                "On which river does {name} stand?",
                "What river runs through {name}?",
            ],
            "population": [
                "What is the population of {name}?",
                "How many people live in {name}?",
                "How many residents does {name} have?",
            ],
            "mayor": [
                "Who is the mayor of {name}?",
                "Who leads the town council of {name}?",
                "Who is mayor of {name}?",
            ],
            "mayor_year": ["Since when has {mayor} been mayor of {name}?", "In what year did {mayor} become mayor?"],
            "product": [
                "What is {name} known for?",
                "What do the workshops of {name} make?",
                "What product is {name} famous for?",
            ],
            "colours": [
                "What are the colours of {name}?",
                "Which colours does {name} use?",
                "What are the town colours of {name}?",
            ],
            "railway_year": ["When did the railway reach {name}?", "In what year did {name} get a railway station?"],
            "rail_town": ["Which town is {name} linked to by rail?", "Where do trains from {name} run to?"],
            "landmark": ["What is the best-known building in {name}?", "What do visitors come to {name} to see?"],
            "landmark_year": ["When was the {landmark} built?", "In what year was the {landmark} completed?"],
            "twin": ["Which town is {name} twinned with?", "What is the twin town of {name}?"],
            "country": ["In which country is {name}?", "{name} is a town in which country?"],
            "region": ["In which region of {country} is {name}?", "Which region is {name} in?"],
        },
    },
    "company": {
        "intros": [
            "{name} is a manufacturing company based in {hq}, {country}.",
            "{name} is a family-owned company in {country} with its headquarters in {hq}.",
            "{name} is one of the oldest firms in {country}; its head office is in {hq}.",
        ],
        "facts": [
            [
                "{name} was founded in {founded_year} by {founder}.",
                "The company was started by {founder} in {founded_year} in a rented workshop.",
                "In {founded_year}, {founder} opened a small workshop that grew into {name}.",
            ],
            [
                "Today the company makes {product} for customers across {country}.",
                "The firm is best known for its {product}.",
                "Most of its income now comes from {product}.",
            ],
            [
                "Since {chief_year} the company has been led by {chief}.",
                "Its chief executive, {chief}, took over in {chief_year}.",
                "{chief} became chief executive in {chief_year}.",
            ],
            [
                "{name} employs about {employees} people.",
                "The company has some {employees} workers.",
                "Around {employees} people work for the firm.",
            ],
            [
                "The company logo is {colours}.",
                "Its delivery vans are painted in {colours}.",
            ],
            [
                "Its first product was {first_product}.",
                "The first thing the company ever sold was {first_product}.",
            ],
            [
                "In {factory_year} it opened a second factory in {factory_town}.",
                "A second factory, in {factory_town}, opened in {factory_year}.",
            ],
            [
                "In {sold_year} the company was bought by {buyer}.",
                "{buyer} bought a majority share in {name} in {sold_year}.",
            ],
        ],
        "fillers": [
            "The company has always kept its workshops close to the town centre.",
            "Its products are sold in shops and markets as well as to other businesses.",
            "The firm is known for training young workers in its own workshops.",
            "Visitors can tour parts of the factory on the first weekend of every month.",
            "The old offices, with their tall windows, are now a protected building.",
            "Over the years the company has changed its designs many times to follow fashion.",
            "Much of the raw material is bought from suppliers in the surrounding region.",
            "The company sponsors a local football club and a music school.",
            "Several of its older products are now sought after by collectors.",
            "Like many firms of its kind, it struggled during the long recession.",
            "It publishes a small catalogue twice a year.",
            "A staff choir founded by workers at the factory still meets every week.",
            "The business has moved from hand work to machines, but some tasks are still done by hand.",
            "Its warehouse stands next to the railway line on the edge of town.",
            "The company has a reputation for careful work and long-lasting products.",
            "Its early account books are kept in the town archive.",
            "Workers at the firm have their own sports club and a small library.",
            "The company once ran a shop in almost every large town of the region.",
            "For many years the firm refused to advertise, relying on its good name.",
            "A fire destroyed part of the works, but it was rebuilt within a year.",
            "The business still repairs old products brought in by customers.",
            "Its designs have won praise at several trade fairs.",
        ],
        "questions": {
            "founded_year": [
                "In what year was {name} founded?",
                "When was {name} founded?",
                "When did {founder} start {name}?",
            ],
            "founder": ["Who founded {name}?", "Who started the company {name}?", "{name} was founded by whom?"],
            "hq": [
                "Where is {name} based?",
                "Where are the headquarters of {name}?",
                "In which town is the head office of {name}?",
            ],
            "product": ["What does {name} make?", "What is {name} best known for?", "What products does {name} sell?"],
            "chief": ["Who is the chief executive of {name}?", "Who leads {name}?", "Who runs {name}?"],
            "chief_year": [
                "When did {chief} become chief executive of {name}?",
                "Since what year has {chief} led {name}?",
            ],
            "employees": [
                "How many people does {name} employ?",
                "How many workers does {name} have?",
                "How many people work for {name}?",
            ],
            "colours": ["What colours does {name} use?", "What are the company colours of {name}?"],
            "first_product": ["What was the first product of {name}?", "What did {name} sell first?"],
            "factory_town": [
                "Where did {name} open its second factory?",
                "In which town is the second factory of {name}?",
            ],
            "factory_year": [
                "When did {name} open its second factory?",
                "In what year did {name} open a second factory?",
            ],
            "buyer": ["Who bought {name}?", "Which company bought {name}?"],
            "sold_year": ["In what year was {name} bought?", "When was {name} sold?"],
            "country": ["In which country is {name}?", "{name} is a company in which country?"],
        },
    },
    "person": {
        "intros": [
            "{name} was a {profession} from {country}.",
            "{name} was a {profession} who spent most of a long working life in {country}.",
            "{name} was a {profession} and one of the best-known figures of {country} in that era.",
        ],
        "facts": [
            [
                "{short} was born in {birthplace} in {birth_year}.",
                "Born in {birth_year} in the town of {birthplace}, {short} was the youngest of five children.",
                "{name} was born in {birth_year}, in {birthplace}.",
            ],
            [
                "{short} studied under {teacher} at the academy in {study_town}.",
                "As a young student in {study_town}, {short} was taught by {teacher}.",
            ],
            [
                "{short} is best remembered for {work}, completed in {work_year}.",
                "The work that made {short} famous, {work}, appeared in {work_year}.",
            ],
            [
                "In {marriage_year}, {short} married {spouse}.",
                "{short} married {spouse} in {marriage_year}; they had two daughters.",
            ],
            [
                "In {award_year} {short} received the {award}.",
                "{short} was awarded the {award} in {award_year}.",
            ],
            [
                "In later life, {short} lived in a house by the harbour in {home_town}.",
                "{short} spent the last years of a long life in {home_town}.",
            ],
            [
                "{short} died in {death_place} in {death_year}.",
                "{short} died in {death_year}, in {death_place}.",
            ],
        ],
        "fillers": [
            "As a child, {short} spent long summers on a farm owned by relatives.",
            "Friends described {short} as patient, curious and rather shy.",
            "{short} kept detailed notebooks, many of which have survived.",
            "Much of the early work was done in a small rented room above a bakery.",
            "{short} travelled widely, but always returned home in the winter.",
            "Several letters to friends give a clear picture of daily life at that time.",
            "Critics at first paid little attention, but opinion changed over the following years.",
            "{short} often worked late into the night and rarely took holidays.",
            "A number of younger people later said they had been inspired by {short}.",
            "Some of the original drawings are kept in a museum archive.",
            "{short} was known for long walks in the countryside, whatever the weather.",
            "Money was often short, and for some years the family lived very simply.",
            "{short} also taught evening classes for working people.",
            "A street and a school have since been named after {short}.",
            "{short} wrote many letters, often several in a single day.",
            "Few photographs of {short} survive, and most of them are blurred.",
            "In the early years {short} earned a living by giving private lessons.",
            "{short} was a keen gardener and grew vegetables behind the house.",
            "Colleagues remembered {short} as demanding but generous.",
            "{short} rarely spoke in public and disliked large gatherings.",
            "An exhibition about the life of {short} toured the country some years ago.",
            "Two biographies of {short} have been published.",
        ],
        "questions": {
            "birth_year": ["When was {name} born?", "In what year was {name} born?"],
            "birthplace": ["Where was {name} born?", "In which town was {name} born?"],
            "profession": ["What was the profession of {name}?", "What did {name} work as?"],
            "teacher": ["Who taught {name}?", "Under whom did {name} study?"],
            "study_town": ["Where did {name} study?", "In which town did {name} study?"],
            "work": ["What is {name} best remembered for?", "Which work made {name} famous?"],
            "work_year": ["When was {work} completed?", "In what year did {work} appear?"],
            "spouse": ["Whom did {name} marry?", "Who was the spouse of {name}?"],
            "marriage_year": ["When did {name} marry?", "In what year did {name} marry {spouse}?"],
            "award": ["Which prize did {name} receive?", "What award was {name} given?"],
            "award_year": ["When did {name} receive the {award}?", "In what year was {name} awarded the {award}?"],
            "home_town": ["Where did {name} live in later life?", "Where did {name} spend the last years of life?"],
            "death_year": ["When did {name} die?", "In what year did {name} die?"],
            "death_place": ["Where did {name} die?", "In which town did {name} die?"],
            "country": ["Which country was {name} from?"],
        },
    },
    "river": {
        "intros": [
            "The {river} is a river in {country}.",
            "The {river} is one of the main rivers of {country}.",
            "The {river} is a river of the {region} region of {country}.",
        ],
        "facts": [
            [
                "The {river} is {length} long.",
                "From source to mouth, the river runs for {length}.",
                "It is about {length} long, and for most of that distance it is slow and wide.",
            ],
            [
                "It rises on the slopes of {mountain}.",
                "The source of the {river} lies high on {mountain}.",
                "The river begins as a small stream below {mountain}.",
            ],
            [
                "It flows into the {sea} near {mouth_town}.",
                "The {river} reaches the {sea} at {mouth_town}.",
            ],
            [
                "The largest town on its banks is {largest_town}.",
                "{largest_town} is the biggest town along the river.",
            ],
            [
                "Its main tributary is the {tributary}.",
                "The {tributary}, its largest tributary, joins it in the lowlands.",
            ],
            [
                "The oldest bridge over the {river}, at {bridge_town}, was built in {bridge_year}.",
                "In {bridge_year} the first stone bridge across the river was built at {bridge_town}.",
            ],
            [
                "The river is known for its {fish}.",
                "Anglers come to the {river} for its {fish}.",
            ],
            [
                "Its name comes from an old word meaning {meaning}.",
                "The name {river} is thought to mean {meaning}.",
            ],
            [
                "For part of its course, the {river} forms the border between {country} and {border_country}.",
                "Further down, the river marks the border with {border_country}.",
            ],
            [
                "A dam was built across the river in {dam_year} to supply the towns with water.",
                "In {dam_year} a dam was completed in the upper valley.",
            ],
        ],
        "fillers": [
            "The valley is wide and green, with meadows that flood in the spring.",
            "Herons and kingfishers can often be seen along the quieter stretches.",
            "In the past, barges carried timber and grain down the river.",
            "A footpath follows the water for most of its length.",
            "The water is clear in the hills but turns brown as it reaches the plain.",
            "Several old mills still stand on its banks, though none of them work today.",
            "In hard winters the upper river sometimes freezes over.",
            "Local people tell many stories about the river and its floods.",
            "Rowing and canoeing are popular on the lower reaches.",
            "The river has changed its course several times over the centuries.",
            "Farmers along the valley have long used its water for their fields.",
            "Small ferries still cross the river where there is no bridge.",
            "The river was painted by many artists who came to the valley in summer.",
            "Conservation groups work to keep the water clean.",
            "Otters have returned to several stretches after years of absence.",
            "The lower valley is dotted with small farms and orchards.",
            "Spring floods once caused great damage to the villages near its banks.",
            "Much of the upper course runs through thick forest.",
            "Boat trips are offered on the river during the summer months.",
            "Old stone markers along the bank show the height of past floods.",
            "The river is shallow enough in places to be crossed on foot in late summer.",
            "Swimming is popular in the quieter pools during warm weather.",
        ],
        "questions": {
            "length": ["How long is the {river}?", "What is the length of the {river}?"],
            "mountain": [
                "Where does the {river} rise?",
                "Where is the source of the {river}?",
                "On which mountain does the {river} begin?",
            ],
            "sea": ["Into which sea does the {river} flow?", "Which sea does the {river} flow into?"],
            "mouth_town": ["At which town does the {river} reach the sea?", "Near which town does the {river} end?"],
            "largest_town": [
                "What is the largest town on the {river}?",
                "Which is the biggest town along the {river}?",
            ],
            "tributary": [
                "What is the main tributary of the {river}?",
                "Which river is the largest tributary of the {river}?",
            ],
            "bridge_year": [
                "When was the oldest bridge over the {river} built?",
                "In what year was the first stone bridge over the {river} built?",
            ],
            "bridge_town": [
                "Where is the oldest bridge over the {river}?",
                "At which town was the first stone bridge over the {river} built?",
            ],
            "fish": ["What fish is the {river} known for?", "What do anglers catch in the {river}?"],
            "meaning": ["What does the name {river} mean?", "What is the meaning of the name {river}?"],
            "border_country": [
                "Which country does the {river} form a border with?",
                "The {river} marks the border with which country?",
            ],
            "dam_year": ["When was the dam on the {river} built?", "In what year was a dam built on the {river}?"],
            "country": ["In which country is the {river}?", "The {river} is a river in which country?"],
        },
    },
}
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
            "town_start": split_parts(TOWN_STARTS),
            "river_start": split_parts(RIVER_STARTS),
            "first": split_parts(FIRST_NAMES),
            "surname": split_parts(SURNAMES),
            "country": split_parts(COUNTRIES),
        }

    def part(self, key, new=None):
        if key in COINED and self.rng.random() < COINED_SHARE:
            return coined_name(self.rng)
        seen, held_out = self.parts[key]
        if new is None:
            new = self.rng.random() < self.held_out
        return self.rng.choice(held_out if new else seen)

    def town(self, new=None):
        return self.part("town_start", new) + self.rng.choice(TOWN_ENDS)

    def river(self, new=None):
        return self.part("river_start", new) + self.rng.choice(RIVER_ENDS)

    def person(self, new=None):
        return f"{self.part('first', new)} {self.part('surname', new)}"

    def country(self):
        return self.part("country")

    def company(self, new=None):
        if self.rng.random() < 0.3:
            return f"{self.part('surname', new)} {self.rng.choice(['& Sons', 'Brothers'])}"
        return f"{self.town(new)} {self.rng.choice(COMPANY_KINDS)}"

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
    first, second = rng.sample(COLOURS, 2)
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
    landmark += rng.choice(LANDMARK_KINDS)
    return name, {
        "name": name,
        "region": rng.choice(REGIONS),
        "country": country,
        "founded_year": founded_year,
        "founder": founder,
        "river": names.river(),
        "population": f"{rng.randrange(1500, 90000, 100):,}",
        "mayor": mayor,
        "mayor_year": mayor_year,
        "product": rng.choice(PRODUCTS),
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
        "product": rng.choice(PRODUCTS),
        "chief": chief,
        "chief_year": chief_year,
        "employees": f"{rng.randrange(40, 9000, 10):,}",
        "colours": colour_pair(rng),
        "first_product": rng.choice(FIRST_PRODUCTS),
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
        "profession": rng.choice(PROFESSIONS),
        "country": names.country(),
        "birth_year": birth_year,
        "birthplace": birthplace,
        "teacher": teacher,
        "study_town": study_town,
        "work": rng.choice(WORKS),
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
        "region": rng.choice(REGIONS),
        "length": f"{rng.randint(40, 900)} kilometres",
        "mountain": f"Mount {names.part('town_start')}{rng.choice(['en', 'ar', 'ell', 'ock'])}",
        "sea": rng.choice(SEAS),
        "mouth_town": mouth_town,
        "largest_town": largest_town,
        "tributary": names.distinct(names.river, 1, avoid={river})[0],
        "bridge_year": bridge_year,
        "bridge_town": bridge_town,
        "fish": rng.choice(FISH),
        "meaning": rng.choice(MEANINGS),
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
    keep = rng.randint(len(groups) - 2, len(groups))  # most facts, not always all of them
    templates = [rng.choice(group) for group in rng.sample(groups, keep)]
    templates.insert(0, rng.choice(article["intros"]))
    fillers = rng.sample(article["fillers"], len(article["fillers"]))
    target = rng.randint(MIN_WORDS + 5, 280)
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


def make_questions(rng, kind, values, context, offsets, alternatives):
    """Four to six (field, question, answers) for the article, at least one answered after LATE_ANSWER_WORD words."""
    asked = [field for field in ARTICLES[kind]["questions"] if field in offsets]
    late = [field for field in asked if len(context[: offsets[field]].split()) >= LATE_ANSWER_WORD]
    if not late:
        return None
    first = rng.choice(late)
    rest = [field for field in asked if field != first]
    fields = [first] + rng.sample(rest, min(len(rest), rng.randint(3, 5)))
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


def generate_split(rng, split, count, names, new_titles, avoid_titles, kinds):
    rows, titles, article_number = [], set(), 0
    while article_number < count:
        kind = kinds[article_number % len(kinds)]
        title, values = MAKE_VALUES[kind](rng, names, new_titles)
        if title in titles or title in avoid_titles:
            continue
        context, offsets = build_context(rng, kind, values)
        words = len(context.split())
        questions = make_questions(rng, kind, values, context, offsets, alternatives=split == "validation")
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


def generate(train_articles, validation_articles, seed, kinds=tuple(ARTICLES)):
    rng = random.Random(seed)
    train, train_titles = generate_split(rng, "train", train_articles, Names(rng, held_out=0), False, set(), kinds)
    validation, _ = generate_split(
        rng, "validation", validation_articles, Names(rng, held_out=0.7), True, train_titles, kinds
    )
    return train, validation


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-articles", type=int, default=360)
    parser.add_argument("--validation-articles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="+", choices=list(ARTICLES), default=list(ARTICLES), help="kinds of article")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for train.jsonl, validation.jsonl")
    args = parser.parse_args()
    train, validation = generate(args.train_articles, args.validation_articles, args.seed, tuple(args.kinds))
    write_splits(args.output, {"train": train, "validation": validation}, "questions")


if __name__ == "__main__":
    main()
