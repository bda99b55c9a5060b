"""The article templates of tools/make_qa_sample.py: per kind of article, its intros, facts and questions
(the town and river ones in tools/qa_article_places.py).

Kept apart from the generator because it is data: phrasings written for tfhf
(license-clean), several per fact, so an answer is not found by one fixed wording.
"""

from qa_article_places import RIVER, TOWN  # beside this file

# One entry per kind of article. "facts" are groups of alternative phrasings of the same facts; each
# question template asks for one field (its key) and may name other fields of the same article.
ARTICLES = {
    "town": TOWN,
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
    "river": RIVER,
}
