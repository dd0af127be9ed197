"""Linking a page's entities to the store's: the same person, place or organisation gets one id
across pages, however it is spelt, by the alias keys the store's entity dictionary holds.

The rules live here once, for every backend; the store only looks keys up and records them
(``ports.EntityDictionary``). A page's mentions carry the ids ``canonical.annotate`` minted for
it; ``link_page`` replaces each with the store's id for that entity (registering new entities and
their alias keys), before the page is stored.

Keys, by kind (all folded with ``fold_key``, so عبد الله = عبدالله):

- ``name``: the whole name.
- ``surname``: a person's last word (بوتين joins the one known فلاديمير بوتين).
- ``bare``: a person's name without بن/ابن/آل (one بن more or less is the same person).
- ``short``: shorter forms of a person's full name: its nasab prefixes (سلمان بن عبدالعزيز of
  سلمان بن عبدالعزيز آل سعود), first + last name (علي صالح of علي عبدالله صالح) and the last two
  words (عبدالله صالح). A new name joins the one entity it is a short form of; a new full name
  joins the one entity named by one of its multi-word short forms. A lone first name joins a full
  name only when written with a title (الملك سلمان) and only one known person fits.

A lone first name that starts the full names of several known people (محمد) links to none and
is left out. A place's or organisation's one-word name matches with or without the article
(الفيفا = فيفا).

A name found under another type joins that entity when the types can be confused (a place and an
organisation: السويس, تبوك) or the gazetteer says the stored type is right; a person never joins a
place or an organisation this way (عبدالله حماس is not حماس).
"""

from __future__ import annotations

from collections import Counter

from marsad.entities.canonical import NASAB, TYPE_PRIORITY
from marsad.entities.gazetteer import gazetteer_types
from marsad.models import ENTITY_TYPES, Mention, Page
from marsad.ports import EntityDictionary
from marsad.text.clitics import MIN_STEM_LETTERS
from marsad.text.fold import fold_key

#: What ``lookup`` returns for a mention that names no one entity (a lone common first name).
AMBIGUOUS = ""
#: Ids whose type the dictionaries fix (a country is a place whatever the tagger says).
FIXED_TYPE_PREFIXES = ("iso3166:", "kb:")


def _words(name: str) -> list[str]:
    """Return a name's words by folding key, with عبد + X written as one word (عبد الله = عبدالله)."""
    out: list[str] = []
    for w in name.split():
        k = fold_key(w)
        if not k:
            continue
        if out and out[-1] in ("عبد", "ابو", "ابي"):
            out[-1] += k  # a compound name: the two words are one
        else:
            out.append(k)
    return out


def short_forms(name: str) -> list[str]:
    """Return the keys of a person's shorter names: nasab prefixes, first + last, last two words."""
    words = _words(name)
    out: list[str] = []
    for i, w in enumerate(words):
        if i and w in NASAB and i < len(words) - 1:
            out.append("".join(words[:i]))
    if len(words) >= 3 and words[-2] not in NASAB:
        out.append(words[0] + words[-1])
        out.append("".join(words[-2:]))
    return [k for k in dict.fromkeys(out) if k and k != "".join(words)]


def alias_keys(name: str, typ: str) -> list[tuple[str, str]]:
    """Return the store keys that identify an entity named ``name`` (see the module docstring)."""
    key = fold_key(name)
    out = [(key, "name")] if key else []
    words = _words(name)
    if typ == "PER" and len(words) > 1:
        if words[-2] == "ال":
            out.append(("ال" + words[-1], "surname"))  # the family: آل سعود
        elif words[-2] not in NASAB:
            out.append((words[-1], "surname"))  # not after بن: محمد بن سلمان's surname is not سلمان
        out.extend((k, "short") for k in short_forms(name))
        bare = "".join(w for w in words if w not in NASAB)
        if len(words) > 2 and bare != key:
            out.append((bare, "bare"))  # فيصل بن خالد عبدالعزيز = فيصل بن خالد بن عبدالعزيز
    return out


def _single(ids: set[str]) -> set[str]:
    """Return ``ids`` when it names exactly one entity, else nothing (an ambiguous key decides nothing)."""
    return ids if len(ids) == 1 else set()


def _confusable(typ: str, other: str, key: str) -> bool:
    """Return whether a name of type ``typ`` may join an entity of type ``other`` with the same key."""
    if typ == "PER" or other == "PER":
        return gazetteer_types().get(key) == other and typ != "PER"
    return True


def lookup(dictionary: EntityDictionary, local_id: str, typ: str, name: str, titled: bool = False) -> str | None:
    """Return the store's id for an entity of a page, or None when it is new to the store."""
    key = fold_key(name)
    words = _words(name)
    if typ == "PER" and len(words) == 1:
        owners = dictionary.alias_entities(key, "PER", "short")
        if titled and len(owners) == 1:
            # الملك سلمان: the one known person whose full name starts with سلمان بن … (before the
            # page's own id: a bare سلمان seen earlier without a title must not keep the King's mentions)
            return owners.pop()
        if len(owners) > 1:
            return AMBIGUOUS  # محمد alone, with several known محمد بن …: names nobody
    if dictionary.entity_exists(local_id):
        return local_id
    if not key:
        return None
    ids = _single(dictionary.alias_entities(key, typ, "name"))
    if ids:
        return ids.pop()
    if typ == "PER":
        if len(words) == 1:
            ids = _single(dictionary.alias_entities(key, "PER", "surname"))
            return ids.pop() if ids else None
        bare = "".join(w for w in words if w not in NASAB)
        if len(words) > 2:
            ids = _single(dictionary.alias_entities(bare, "PER", "bare"))
            if ids:
                return ids.pop()
        # علي صالح or عبدالله صالح: a short form of one known full name.
        ids = _single(dictionary.alias_entities(key, "PER", "short"))
        if ids:
            return ids.pop()
        # سلمان بن عبدالعزيز آل سعود: the one known person named by a multi-word short form of it.
        for short in short_forms(name):
            if len(short) > len(words[0]):
                ids = _single(dictionary.alias_entities(short, "PER", "name"))
                if ids:
                    return ids.pop()
        return None
    if len(words) == 1:
        # الفيفا = فيفا: a place's or organisation's name with or without the article.
        other_key = key[2:] if key.startswith("ال") and len(key) > len("ال") + MIN_STEM_LETTERS else "ال" + key
        ids = _single(dictionary.alias_entities(other_key, typ, "name"))
        if ids:
            return ids.pop()
    for other in ENTITY_TYPES:
        if other != typ and _confusable(typ, other, key):
            ids = _single(dictionary.alias_entities(key, other, "name"))
            if ids:
                return ids.pop()
    return None


def link_mentions(dictionary: EntityDictionary, mentions: list[Mention]) -> None:
    """Give each mention the store's id and name for its entity, registering unknown entities and
    the alias keys of every spelling seen (in place)."""
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(m.id, []).append(m)
    mapping: dict[str, str] = {}
    new: dict[str, tuple[str, str]] = {}
    aliases: set[tuple[str, str, str, str]] = set()
    for local_id, group in groups.items():
        typ, name = group[0].type, group[0].name
        titled = any(m.title for m in group)
        stored = lookup(dictionary, local_id, typ, name, titled)
        if stored == AMBIGUOUS:
            continue
        if stored is None:
            stored = local_id
            new[stored] = (typ, name)
        # A holder title written alone (its text is its title) names him here, not by its words elsewhere.
        forms = {name, *(m.text for m in group if m.text != m.title)}
        aliases.update((key, typ, kind, stored) for form in forms for key, kind in alias_keys(form, typ))
        mapping[local_id] = stored
    dictionary.add_entities(new)
    dictionary.add_aliases(aliases)
    _vote_types(dictionary, groups, mapping)
    names = dictionary.entity_names(sorted(set(mapping.values())))
    mentions[:] = [m for m in mentions if m.id in mapping]
    for m in mentions:
        m.id = mapping[m.id]
        m.name = names.get(m.id, m.name)


def _vote_types(dictionary: EntityDictionary, groups: dict[str, list[Mention]], mapping: dict[str, str]) -> None:
    """Add the page's mentions to their entities' type votes and retype an entity whose vote
    changed winner (السويس first seen as an organisation, then mostly as a place)."""
    votes: Counter[tuple[str, str]] = Counter()
    for local_id, group in groups.items():
        if local_id in mapping:
            votes[(mapping[local_id], group[0].type)] += len(group)
    if not votes:
        return
    dictionary.add_type_votes((e, t, n) for (e, t), n in votes.items())
    current = dictionary.entity_types(sorted({e for e, _ in votes}))
    winners = {}
    for entity_id, counts in dictionary.type_votes(sorted(current)).items():
        best = max(counts, key=lambda t: (counts[t], TYPE_PRIORITY.get(t, 0)))
        if best != current.get(entity_id) and not entity_id.startswith(FIXED_TYPE_PREFIXES):
            winners[entity_id] = best
    if winners:
        dictionary.set_entity_types(winners)


def link_page(dictionary: EntityDictionary, page: Page) -> None:
    """Link the mentions of every article of a page to the store's entities (in place)."""
    for article in page.articles:
        if article.entities:
            link_mentions(dictionary, article.entities)


def resolve_entity(dictionary: EntityDictionary, text: str) -> list[str]:
    """Return the ids of the entities ``text`` names: an entity id, or a name or spelling via the alias keys."""
    text = text.strip()
    if not text:
        return []
    if dictionary.entity_exists(text):
        return [text]
    found: set[str] = set()
    for typ in ENTITY_TYPES:
        for key, kind in alias_keys(text, typ):
            if kind != "name":
                continue
            found |= dictionary.alias_entities(key, typ, "name")
            if not found and typ == "PER" and " " not in text:
                found |= _single(dictionary.alias_entities(key, "PER", "surname"))
    return sorted(found)
