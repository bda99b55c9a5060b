"""Generate tfhf's bundled English-to-French sample corpus of software UI strings.

The course fine-tunes on KDE4: short, repetitive strings from application menus,
dialogs and error messages. This script writes a corpus in that spirit, from templates
and word lists written for tfhf (license-clean: no sentence comes from KDE or any other
project). French grammar is done properly where a UI string needs it: gender and
elision of articles ("le fichier", "la page", "l'image"), past-participle agreement,
"de"/"d'" before a vowel, and the space French puts before "?".

Usage (the output is committed; rerun only after changing this file):

    python tools/make_translation_sample.py            # writes tfhf/samples/translation_en_fr.jsonl

The same seed always gives the same file.
"""

import argparse
import json
import random
from pathlib import Path

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "tfhf" / "samples" / "translation_en_fr.jsonl"

# English noun -> (French noun, gender "m"/"f"). Vowel-initial nouns take "l'".
NOUNS = {
    "file": ("fichier", "m"),
    "folder": ("dossier", "m"),
    "document": ("document", "m"),
    "image": ("image", "f"),
    "window": ("fenêtre", "f"),
    "tab": ("onglet", "m"),
    "page": ("page", "f"),
    "message": ("message", "m"),
    "account": ("compte", "m"),
    "bookmark": ("signet", "m"),
    "printer": ("imprimante", "f"),
    "password": ("mot de passe", "m"),
    "connection": ("connexion", "f"),
    "toolbar": ("barre d'outils", "f"),
    "calendar": ("calendrier", "m"),
    "contact": ("contact", "m"),
    "event": ("événement", "m"),
    "archive": ("archive", "f"),
    "address": ("adresse", "f"),
    "icon": ("icône", "f"),
    "profile": ("profil", "m"),
    "session": ("session", "f"),
    "plugin": ("module externe", "m"),
    "playlist": ("liste de lecture", "f"),
    "theme": ("thème", "m"),
    "task": ("tâche", "f"),
    "note": ("note", "f"),
    "server": ("serveur", "m"),
}

# English adjective -> (French masculine, French feminine). Placed after the noun in French.
ADJECTIVES = {
    "selected": ("sélectionné", "sélectionnée"),
    "current": ("actuel", "actuelle"),
    "previous": ("précédent", "précédente"),
    "next": ("suivant", "suivante"),
    "hidden": ("caché", "cachée"),
    "shared": ("partagé", "partagée"),
    "remote": ("distant", "distante"),
    "local": ("local", "locale"),
    "recent": ("récent", "récente"),
    "default": ("par défaut", "par défaut"),
    "temporary": ("temporaire", "temporaire"),
    "encrypted": ("chiffré", "chiffrée"),
}

# English verb -> (imperative/infinitive, English past participle, French infinitive, French past participle stem
# as (masculine, feminine)).
VERBS = {
    "open": ("opened", "ouvrir", ("ouvert", "ouverte")),
    "close": ("closed", "fermer", ("fermé", "fermée")),
    "save": ("saved", "enregistrer", ("enregistré", "enregistrée")),
    "delete": ("deleted", "supprimer", ("supprimé", "supprimée")),
    "rename": ("renamed", "renommer", ("renommé", "renommée")),
    "copy": ("copied", "copier", ("copié", "copiée")),
    "move": ("moved", "déplacer", ("déplacé", "déplacée")),
    "print": ("printed", "imprimer", ("imprimé", "imprimée")),
    "export": ("exported", "exporter", ("exporté", "exportée")),
    "import": ("imported", "importer", ("importé", "importée")),
    "share": ("shared", "partager", ("partagé", "partagée")),
    "edit": ("edited", "modifier", ("modifié", "modifiée")),
    "show": ("shown", "afficher", ("affiché", "affichée")),
    "hide": ("hidden", "masquer", ("masqué", "masquée")),
    "create": ("created", "créer", ("créé", "créée")),
    "reload": ("reloaded", "recharger", ("rechargé", "rechargée")),
    "restore": ("restored", "restaurer", ("restauré", "restaurée")),
    "sync": ("synchronized", "synchroniser", ("synchronisé", "synchronisée")),
}

VOWELS = tuple("aeiouéèêâîôûh")


def _elides(word):
    return word.startswith(VOWELS)


def definite(noun_fr, gender):
    """'le fichier', 'la page', "l'image"."""
    if _elides(noun_fr):
        return "l'" + noun_fr
    return ("le " if gender == "m" else "la ") + noun_fr


def demonstrative(noun_fr, gender):
    """'ce fichier', 'cet événement', 'cette page'."""
    if gender == "f":
        return "cette " + noun_fr
    return ("cet " if _elides(noun_fr) else "ce ") + noun_fr


def of_definite(noun_fr, gender):
    """'du fichier', 'de la page', "de l'image"."""
    if _elides(noun_fr):
        return "de l'" + noun_fr
    return ("du " if gender == "m" else "de la ") + noun_fr


def de(word):
    """'de fermer', "d'ouvrir"."""
    return ("d'" if _elides(word) else "de ") + word


def noun_phrase(rng):
    """A noun with an optional adjective, in both languages: ('selected file', 'fichier sélectionné', 'm')."""
    en, (fr, gender) = rng.choice(list(NOUNS.items()))
    if rng.random() < 0.5:
        adj_en, forms = rng.choice(list(ADJECTIVES.items()))
        adj_fr = forms[0] if gender == "m" else forms[1]
        return f"{adj_en} {en}", f"{fr} {adj_fr}", gender
    return en, fr, gender


def placeholder(rng):
    return rng.choice(["%1", "%2"])


def capitalize(text):
    return text[0].upper() + text[1:]


def make_pair(rng):
    """One (English, French) pair from a randomly chosen template."""
    verb, (verb_pp, verb_fr, pp_fr) = rng.choice(list(VERBS.items()))
    np_en, np_fr, gender = noun_phrase(rng)
    pp = pp_fr[0] if gender == "m" else pp_fr[1]
    the_np = definite(np_fr, gender)
    template = rng.randrange(12)
    if template == 0:
        return f"{capitalize(verb)} the {np_en}", capitalize(f"{verb_fr} {the_np}")
    if template == 1:
        return f"Could not {verb} the {np_en}.", f"Impossible {de(verb_fr)} {the_np}."
    if template == 2:
        return f"Do you want to {verb} the {np_en}?", f"Voulez-vous {verb_fr} {the_np} ?"
    if template == 3:
        return f"The {np_en} has been {verb_pp}.", f"{capitalize(the_np)} a été {pp}."
    if template == 4:
        return (
            f"Are you sure you want to {verb} this {np_en}?",
            f"Voulez-vous vraiment {verb_fr} {demonstrative(np_fr, gender)} ?",
        )
    if template == 5:
        ph = placeholder(rng)
        return f"The {np_en} {ph} already exists.", f"{capitalize(the_np)} {ph} existe déjà."
    if template == 6:
        ph = placeholder(rng)
        return f"Unable to find the {np_en} {ph}.", f"Impossible de trouver {the_np} {ph}."
    if template == 7:
        return f"{capitalize(np_en)} settings", f"Paramètres {of_definite(np_fr, gender)}"
    if template == 8:
        return f"{capitalize(verb)} the {np_en} in a new window", capitalize(
            f"{verb_fr} {the_np} dans une nouvelle fenêtre"
        )
    if template == 9:
        return f"Failed to {verb} the {np_en}: %1", f"Échec de l'opération « {verb_fr} » sur {the_np} : %1"
    if template == 10:
        return f"{capitalize(verb)} the {np_en}...", capitalize(f"{verb_fr} {the_np}...")
    return f"You do not have permission to {verb} the {np_en}.", f"Vous n'avez pas le droit {de(verb_fr)} {the_np}."


def generate(count, seed):
    """`count` distinct pairs, in a reproducible order."""
    rng = random.Random(seed)
    seen, pairs = set(), []
    while len(pairs) < count:
        en, fr = make_pair(rng)
        if en not in seen:
            seen.add(en)
            pairs.append({"en": en, "fr": fr})
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    pairs = generate(args.count, args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(pair, ensure_ascii=False) + "\n" for pair in pairs)
    print(f"wrote {len(pairs)} pairs to {args.output}")


if __name__ == "__main__":
    main()
