"""The words tools/make_qa_sample.py builds its invented articles from: name parts, places, trades and works.

Data, kept apart from the generator. Coined names, so no answer can come from a model's
pretraining.
"""

# Name parts. One part in four (every fourth one) is held out for validation; countries are not.
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
COUNTRIES = [  # the world's countries, named in both splits
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
