"""The town and river article templates of tools/make_qa_sample.py (tools/qa_articles.py holds the others).

Data: phrasings written for tfhf (license-clean), several per fact, so an answer is not
found by one fixed wording.
"""

TOWN = {
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
}

RIVER = {
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
}
