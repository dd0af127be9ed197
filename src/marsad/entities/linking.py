"""Linking a page's entities to the store's: the same person, place or organisation gets one id
across pages, however it is spelt, by the alias keys the store's entity dictionary holds.

The rules live here once, for every backend; the store only looks keys up and records them
(``store.base.EntityDictionary``). A page's mentions carry the ids ``canonical.annotate`` minted
for it; ``link_page`` replaces each with the store's id for that entity (registering new
entities and their alias keys), before the page is stored.
"""

from __future__ import annotations

from typing import Any

from marsad.entities.canonical import alias_keys
from marsad.models import ENTITY_TYPES, Page
from marsad.ports import EntityDictionary


def _single(ids: set[str]) -> set[str]:
    """Return ``ids`` when it names exactly one entity, else nothing (an ambiguous key decides nothing)."""
    return ids if len(ids) == 1 else set()


def lookup(dictionary: EntityDictionary, local_id: str, typ: str, name: str) -> str | None:
    """Return the store's id for an entity of a page: its own id if known, else the one entity its
    name's alias key names; a bare surname joins the one known person with that surname."""
    if dictionary.entity_exists(local_id):
        return local_id
    for key, kind in alias_keys(name, typ):
        if kind != "name":
            continue
        ids = _single(dictionary.alias_entities(key, typ, "name"))
        if ids:
            return ids.pop()
        if typ == "PER" and " " not in name.strip():
            # بوتين alone joins فلاديمير بوتين when only one known person has that surname.
            ids = _single(dictionary.alias_entities(key, "PER", "surname"))
            if ids:
                return ids.pop()
    return None


def link_mentions(dictionary: EntityDictionary, mentions: list[dict[str, Any]]) -> None:
    """Give each mention the store's id and name for its entity, registering unknown entities and
    the alias keys of every spelling seen (in place)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in mentions:
        groups.setdefault(str(m["id"]), []).append(m)
    mapping: dict[str, str] = {}
    new: dict[str, tuple[str, str]] = {}
    aliases: set[tuple[str, str, str, str]] = set()
    for local_id, group in groups.items():
        typ, name = str(group[0]["type"]), str(group[0]["name"])
        stored = lookup(dictionary, local_id, typ, name)
        if stored is None:
            stored = local_id
            new[stored] = (typ, name)
        forms = {name, *(str(m["text"]) for m in group)}
        aliases.update((key, typ, kind, stored) for form in forms for key, kind in alias_keys(form, typ))
        mapping[local_id] = stored
    dictionary.add_entities(new)
    dictionary.add_aliases(aliases)
    names = dictionary.entity_names(sorted(set(mapping.values())))
    for m in mentions:
        m["id"] = mapping[str(m["id"])]
        m["name"] = names.get(m["id"], m["name"])


def link_page(dictionary: EntityDictionary, page: Page) -> None:
    """Link the mentions of every article of a page to the store's entities (in place)."""
    for article in page.articles:
        found = article.extras.get("entities")
        if isinstance(found, list) and found:
            link_mentions(dictionary, found)


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
