"""From tagged names to canonical entities: one entity per real-world thing, whatever the spelling.

Mentions come from the trained tagger (marsad.entities.ner) plus two dictionaries that the tagger
cannot know well: places with their nationality adjectives (الروسي → Russia, from CLDR + arwikicats)
and well-known organisations (البنتاجون، الكرملين …). Within an article, mentions are merged by the
transliteration-folding key after stripping proclitics (وبيونج يانج = بيونغ يانغ), by surname
(بوتين after فلاديمير بوتين) and by a narrow fuzzy rule (one long vowel more or less: بوتين ≈ بوتن,
never بوتين ≈ بوتان). The merged group's type is decided by vote, dictionaries first.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from marsad.entities.complete import complete_spans
from marsad.entities.gazetteer import TYPE_MAP, gazetteer_types, given_name_keys, person_keys
from marsad.entities.holders import holder_mentions
from marsad.entities.hygiene import head_type, tidy
from marsad.entities.ner.resources import load_resources, normalize_token
from marsad.models import Article, Field, Mention
from marsad.text.clitics import ARTICLE, CONJUNCTIONS, MIN_STEM_LETTERS, proclitic_readings
from marsad.text.fold import fold_key
from marsad.text.normalize import normalize, normalize_text
from marsad.text.stopwords import stopwords
from marsad.text.tokens import TOKEN

#: Bump when linking rules change (stored entity ids and mentions derived from them go stale).
ENTITY_VERSION = 1
# Order used to break type-vote ties: a person mislabelled as a place is the commoner tagger error.
TYPE_PRIORITY = {"PER": 3, "LOC": 2, "ORG": 1, "MISC": 0}
#: Longest dictionary phrase looked up, in words ("المفوضية السامية لشؤون اللاجئين" is 4 after clitics).
MAX_DICT_WORDS = 6
#: Shortest name (letters, after clitic stripping) the fuzzy rule may touch; shorter names differ
#: in one vowel too often (كيم/كريم are different people).
FUZZY_MIN_LETTERS = 4
_LONG_VOWELS = frozenset("اوي")
#: Folded بن، ابن، بنت، آل: the word after one is a father's or family name, not the person's surname.
NASAB = frozenset({"بن", "ابن", "بنت", "ال"})
_SENTENCE_END = frozenset({".", "!", "?", "؟", "…"})
#: Characters of one article tagged for entities. The longest of SaudiNewsNet's 20,329 articles has
#: 33,687; a "page" of megabytes is a dump, not an article, and tagging all of it would cost minutes
#: (about 25 s per MB here). Beyond the cap the article is stored untagged, marked
#: ``entities_truncated``.
MAX_TAGGED_CHARS = 200_000
#: Longest token run tagged as one sentence. ANERcorp sentences average ~30 tokens and rarely pass
#: 150; a run without end punctuation (a 200,000-word title) is cut so one CRF sequence stays small.
MAX_SENTENCE_TOKENS = 200
#: Tokens handed to the tagger at once. Its features cost ~0.5 KB per token; 5,000 tokens is longer
#: than any real article (so articles are tagged whole, with all their cross-sentence evidence)
#: and bounds a huge page's tagging memory to a few MB.
TAG_CHUNK_TOKENS = 5000
# Proclitics that may be glued to a name: conjunction, then preposition; لل is ل + ال.


@dataclass(slots=True)
class Detected:
    """A name found in the page text before linking: span, tagger type, matching key and, once linked, its entity."""

    text: str
    start: int
    end: int
    type: str
    key: str
    source: str = "ner"
    entity_id: str | None = None
    kb_name: str | None = None
    #: Titles written before the name (الملك، ولي العهد): an attribute of the person, not the name.
    title: str | None = None


@dataclass(slots=True)
class Entity:
    """A canonical entity of one article (ids are stable across articles)."""

    id: str
    type: str
    name: str
    forms: Counter[str] = field(default_factory=Counter)
    mentions: list[Detected] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"id": self.id, "type": self.type, "name": self.name, "forms": dict(self.forms.most_common())}


# -- dictionaries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KBEntry:
    """A dictionary entity: id, type and display name; a place also keeps its listed spelling."""

    id: str
    type: str
    name: str
    #: A place's listed words, normalized: a match must spell them (no ج/غ folding: مغرية is not مجرية).
    form: tuple[str, ...] = ()


def _data(name: str) -> str:
    return resources.files("marsad.entities").joinpath(f"data/{name}").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def dictionary() -> dict[tuple[str, ...], KBEntry]:
    """Return normalized word tuples → entity, for countries, nationality forms, Saudi places, landmarks and organisations."""
    out: dict[tuple[str, ...], KBEntry] = {}
    for line in (*_data("organizations.tsv").splitlines(), *_data("saudi_places.tsv").splitlines(),
                 *_data("landmarks.tsv").splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        ident, typ, name, aliases = line.split("\t")
        for alias in aliases.split("|"):
            out[tuple(fold_key_words(alias))] = KBEntry(ident, typ, name)
    for line in _data("places.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        form, code, name = line.split("\t")
        out.setdefault(tuple(fold_key_words(form)), KBEntry(f"iso3166:{code}", "LOC", name, tuple(normalize_text(form).split())))
    return out


def fold_key_words(text: str) -> list[str]:
    """Return the per-word folding keys of ``text`` (punctuation dropped)."""
    return [k for k in (fold_key(w) for w in normalize_text(text).split()) if k]


# -- tokens and clitics ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int
    end: int


def _sentences(text: str, base: int) -> list[list[_Tok]]:
    out: list[list[_Tok]] = []
    cur: list[_Tok] = []
    for m in TOKEN.finditer(text):
        cur.append(_Tok(m.group(), base + m.start(), base + m.end()))
        if m.group() in _SENTENCE_END or len(cur) >= MAX_SENTENCE_TOKENS:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _chunks(sentences: list[list[_Tok]]) -> Iterator[list[list[_Tok]]]:
    """Yield runs of consecutive sentences of at most ``TAG_CHUNK_TOKENS`` tokens (one sentence at least)."""
    run: list[list[_Tok]] = []
    size = 0
    for sent in sentences:
        if run and size + len(sent) > TAG_CHUNK_TOKENS:
            yield run
            run, size = [], 0
        run.append(sent)
        size += len(sent)
    if run:
        yield run


@lru_cache(maxsize=65536)  # asked for every token of every page: news vocabulary repeats
def clitic_splits(word: str) -> tuple[tuple[int, str], ...]:
    """Return ``(letters stripped, remainder)`` for the word and each proclitic reading, shortest strip first."""
    return tuple(proclitic_readings(normalize_text(word)))


def _original_offset(word: str, norm_chars: int) -> int:
    """Return how many original characters of ``word`` make its first ``norm_chars`` normalized ones."""
    n = normalize(word)
    if norm_chars >= len(n.text):
        return len(word)
    return n.offsets[norm_chars]


# -- mention detection -------------------------------------------------------------------------


def _fields(article: Article) -> list[Field]:
    """Return the title, headings and paragraphs to tag: the first ``MAX_TAGGED_CHARS`` of them."""
    out: list[Field] = []
    size = 0
    for f in (article.title, *article.headings, *article.paragraphs):
        if f is None or not f.span:
            continue
        if size + len(f.text) > MAX_TAGGED_CHARS:
            article.entities_truncated = True
            break
        out.append(f)
        size += len(f.text)
    return out


def detect_mentions(page_text: str, article: Article) -> list[Detected]:
    """Find name mentions in an article's title, headings and paragraphs (tagger + dictionaries)."""
    from marsad.entities.ner import tag_sentences

    sentences: list[list[_Tok]] = []
    for f in _fields(article):
        assert f.span is not None
        sentences.extend(_sentences(page_text[f.span.start : f.span.end], f.span.start))
    if not sentences:
        return []
    # Tagged a bounded run at a time: the tagger's features for a whole 10 MB page would not fit.
    labels = [lab for run in _chunks(sentences) for lab in tag_sentences([[t.text for t in s] for s in run])]
    ner: list[Detected] = []
    for toks, labs in zip(sentences, labels, strict=True):
        i = 0
        while i < len(toks):
            lab = labs[i]
            if lab == "O" or "-" not in lab:
                i += 1
                continue
            typ = lab.split("-", 1)[1]
            j = i + 1
            while j < len(toks) and labs[j] == f"I-{typ}":
                j += 1
            ner.append(_mention(page_text, toks[i:j], TYPE_MAP.get(typ, "MISC"), "ner"))
            i = j
    found = _dictionary_mentions(page_text, sentences)
    return [m for m in _merge_sources(ner, found) if tidy(page_text, m)]


def _mention(page_text: str, toks: Sequence[_Tok], typ: str, source: str, kb: KBEntry | None = None) -> Detected:
    start, end = toks[0].start, toks[-1].end
    return Detected(page_text[start:end], start, end, typ, " ".join(fold_key_words(page_text[start:end])), source,
                   kb.id if kb else None, kb.name if kb else None)


@lru_cache(maxsize=1)
def _dictionary_lengths() -> dict[str, int]:
    """The longest dictionary name, in words, that opens with each first word (most words open none)."""
    out: dict[str, int] = {}
    for key in dictionary():
        out[key[0]] = max(out.get(key[0], 0), len(key))
    return out


def _dictionary_mentions(page_text: str, sentences: Iterable[list[_Tok]]) -> list[Detected]:
    kb = dictionary()
    lengths = _dictionary_lengths()
    out: list[Detected] = []
    sw = stopwords()
    for toks in sentences:
        keys = [fold_key(normalize_text(t.text)) for t in toks]
        i = 0
        while i < len(toks):
            best: tuple[int, int, KBEntry] | None = None
            for strip, rest in clitic_splits(toks[i].text):
                first = fold_key(rest)
                longest = lengths.get(first, 0)
                for n in range(min(longest, MAX_DICT_WORDS, len(toks) - i), 0, -1):
                    entry = kb.get((first, *keys[i + 1 : i + n]))
                    if entry is not None and (best is None or n > best[0]):
                        best = (n, strip, entry)
                        break
            if best is None or (best[0] == 1 and normalize_text(toks[i].text) in sw):
                i += 1
                continue
            n, strip, entry = best
            skip = _original_offset(toks[i].text, strip)
            first_tok = _Tok(toks[i].text[skip:], toks[i].start + skip, toks[i].end)
            if not _spelled(entry, [first_tok.text, *(t.text for t in toks[i + 1 : i + n])]):
                i += 1
                continue
            out.append(_mention(page_text, [first_tok, *toks[i + 1 : i + n]], entry.type, "dictionary", entry))
            i += n
    return out


def _spelled(entry: KBEntry, words: list[str]) -> bool:
    """Return whether matched words spell a place as listed: the same letters (not only the same
    folding key), and a nisba adjective (listed with final ي) not written with final ى (المجرى, "the
    stream", is not المجري, "the Hungarian"; SaudiNewsNet never writes a nisba with ى)."""
    if not entry.form:
        return True
    if words[-1].endswith("ى") and entry.form[-1].endswith("ي"):
        return False
    got = normalize_text(" ".join(words)).split()
    if got and got[0].startswith("لل") and not entry.form[0].startswith("لل"):
        got[0] = "ا" + got[0][1:]  # للسعودية: ل + السعودية, its alef not written
    return got == list(entry.form)


def _overlaps(a: Detected, b: Detected) -> bool:
    return a.start < b.end and b.start < a.end


def _merge_sources(ner: list[Detected], found: list[Detected]) -> list[Detected]:
    # A dictionary match wins over the tagger's overlapping guess when it is at least as long;
    # otherwise the tagger's longer span stays and inherits the dictionary's identity.
    out: list[Detected] = []
    used: set[int] = set()
    for m in ner:
        hits = [d for d in found if _overlaps(m, d)]
        if not hits:
            out.append(m)
            continue
        longest = max(hits, key=lambda d: d.end - d.start)
        if longest.end - longest.start >= len(m.text.strip()) - 2:
            continue  # the dictionary mention (added below) replaces it
        # Only a name of the same kind inherits it: حركة حماس is Hamas, the person عبدالله حماس is not.
        if len(hits) == 1 and (hits[0].entity_id or "").startswith("kb:") and hits[0].type == m.type:
            m.entity_id, m.kb_name, m.type = hits[0].entity_id, hits[0].kb_name, hits[0].type
            used.add(id(hits[0]))
        out.append(m)
    out.extend(d for d in found if id(d) not in used and not any(_overlaps(d, m) for m in out))
    return sorted(out, key=lambda m: m.start)


# -- linking -----------------------------------------------------------------------------------


#: Prepositions read off a tagged place whose bare form is a known place (ب "in", ل "to").
PLACE_PREPOSITIONS = frozenset("بل")


def _strip_key(m: Detected, known: set[str], reference: frozenset[str], name_words: set[str]) -> str:
    """Return the mention's key without a glued proclitic when the bare form is known elsewhere.

    ``reference`` holds keys known independently of this page (dictionaries, gazetteer): a form
    found there is kept as it is (بيونغ يانغ is not ب + يونغ يانغ). ``known`` adds the page's own
    mentions and the words of its multi-word names (بوتين from فلاديمير بوتين); ``name_words`` those
    words alone (a word of a longer name on the page, as بلاتر of جوزيف بلاتر, is not a glued place).
    """
    words = m.text.split()
    if not words or m.key in reference:
        return m.key
    rest_keys = fold_key_words(" ".join(words[1:]))
    first = normalize_text(words[0])
    for strip, rest in clitic_splits(words[0])[1:]:
        cand = " ".join([fold_key(rest), *rest_keys])
        # A conjunction (و، ف) or لل may be taken off on the dictionaries' word; a preposition
        # (ب، ل، ك) only when the page itself names the bare form: many names start with one
        # of those letters (بلاتر is not ب + لاتر, a place in the gazetteer).
        weak = strip == 0 or (strip == 1 and first[:1] in CONJUNCTIONS)
        # A preposition before the article (بالمسجد الأقصى، بالرياض) is read off a place's, an
        # organisation's or a thing's name: such names seldom start with ب/ك + ال, and the
        # gazetteer's (بالتيمور) were kept above. Persons' names are left to the rule above.
        glued = strip >= 1 and m.type != "PER" and rest.startswith(ARTICLE) and len(rest) >= len(ARTICLE) + MIN_STEM_LETTERS
        # A place glued to ب or ل (بجدة، لمكة، وبجدة): the bare form is a known place and the glued
        # one is not (بريدة, in the gazetteer itself, was kept above). Not ك: كسروان is a place.
        place = (m.type == "LOC" and cand in reference and len(rest) >= MIN_STEM_LETTERS and m.key not in name_words
                 and first[strip - 1 : strip] in PLACE_PREPOSITIONS)
        if cand in known or (weak and cand in reference) or glued or place:
            skip = _original_offset(words[0], strip)
            m.start += skip
            m.text = m.text[skip:]
            return cand
    return m.key


def _truncated(m: Detected, reference: frozenset[str]) -> bool:
    """Return whether a tagged event or thing ends in ل + a common noun (بطولة العالم لألعاب): the
    name's genitive was cut off, so it names nothing yet. ل + ال (للسباحة) is whole; a known name
    (ماراثون لندن) or a rare word (جائزة لوريوس) after ل stays."""
    words = m.text.split()
    if m.source != "ner" or m.type != "MISC" or len(words) < 2:
        return False
    last = normalize_token(words[-1])
    rest = last[1:]
    # ل + ال is written لل (the article's alef drops), so a rest starting with ل is the article;
    # لا… is ل + a word starting with alef (لألعاب), never the article.
    return (last.startswith("ل") and not rest.startswith("ل") and len(rest) >= MIN_STEM_LETTERS
            and fold_key(last) not in reference and rest in load_resources().vclusters)


@lru_cache(maxsize=1)
def _reference_keys() -> frozenset[str]:
    return frozenset({" ".join(k) for k in dictionary()} | {" ".join(fold_key_words(k)) for k in _gazetteer_names()})


@lru_cache(maxsize=1)
def _gazetteer_names() -> tuple[str, ...]:
    raw = resources.files("marsad.entities").joinpath("data/gazetteer.tsv.gz").read_bytes()
    return tuple(line.split("\t", 1)[1] for line in gzip.decompress(raw).decode("utf-8").splitlines() if "\t" in line)


def _one_vowel_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < FUZZY_MIN_LETTERS:
        return False
    return any(ch in _LONG_VOWELS and long[:i] + long[i + 1:] == short for i, ch in enumerate(long))


def _minted_id(typ: str, name: str) -> str:
    digest = hashlib.sha256(f"{ENTITY_VERSION}|{typ}|{fold_key(name)}".encode()).hexdigest()[:12]
    return f"marsad:{typ.lower()}:{digest}"


def link(mentions: list[Detected]) -> list[Entity]:
    """Group an article's mentions into canonical entities and set each mention's entity id."""
    sw = stopwords()
    mentions = [m for m in mentions if m.key and not (len(m.key.split()) == 1 and (m.key in sw or m.key.isdigit()))]
    reference = _reference_keys()
    mentions = [m for m in mentions if not _truncated(m, reference)]
    name_words = {w for m in mentions if " " in m.key for w in m.key.split()}
    known = {m.key for m in mentions} | name_words
    for m in mentions:
        if m.source == "ner":
            m.key = _strip_key(m, known, reference, name_words)
            kb = dictionary().get(tuple(m.key.split()))
            if kb is not None and m.entity_id is None:
                m.entity_id, m.kb_name, m.type = kb.id, kb.name, kb.type
    groups: dict[str, list[Detected]] = defaultdict(list)
    for m in mentions:
        groups[m.entity_id or m.key].append(m)
    # Surname / first-name coreference: a one-word person group joins the unique longer name it ends or starts.
    names = {k: g for k, g in groups.items() if len(k.split()) > 1 and _vote(g) == "PER"}
    for key in [k for k, g in groups.items() if len(k.split()) == 1 and not g[0].entity_id]:
        owners = [n for n in names if key == n.split()[0] or (key == n.split()[-1] and n.split()[-2] not in NASAB)]
        if len(owners) == 1 and _vote(groups[key] + names[owners[0]]) == "PER":
            names[owners[0]].extend(groups.pop(key))
    # Narrow fuzzy rule between remaining one-word keys (بوتن ↔ بوتين), into the larger group.
    keys = sorted(groups, key=lambda k: -len(groups[k]))
    for i, big in enumerate(keys):
        if big not in groups:
            continue
        for small in keys[i + 1 :]:
            if small in groups and not groups[small][0].entity_id:
                target = big.split()[-1] if len(big.split()) > 1 else big
                if " " not in small and _one_vowel_apart(small, target):
                    groups[big].extend(groups.pop(small))
    entities: list[Entity] = []
    for group in groups.values():
        typ = _vote(group)
        kb_id = next((m.entity_id for m in group if m.entity_id), None)
        kb_name = next((m.kb_name for m in group if m.kb_name), None)
        forms = Counter(" ".join(m.text.split()) for m in group)
        name = kb_name or _display_name(forms)
        ent = Entity(kb_id or _minted_id(typ, name), typ, name, forms, group)
        for m in group:
            m.entity_id, m.type = ent.id, typ
        entities.append(ent)
    return sorted(entities, key=lambda e: (-len(e.mentions), e.name))


def _vote(group: Sequence[Detected]) -> str:
    if any(m.source == "dictionary" or (m.entity_id or "").startswith(("kb:", "iso3166:")) for m in group):
        return next(m.type for m in group if m.source == "dictionary" or m.entity_id)
    heads = Counter(t for m in group if (t := head_type(m.key)))
    if heads:
        # The head noun says what kind of thing is named (المسجد X is a site), whatever the tagger said.
        return heads.most_common(1)[0][0]
    votes = Counter(m.type for m in group)
    key = group[0].key
    gaz = gazetteer_types().get(key.replace(" ", ""))
    if gaz:
        # The gazetteer is one witness worth half the group: enough to settle a split vote
        # (بيونغ يانغ tagged ORG twice, LOC twice), not to overrule a consistent tagger ...
        votes[gaz] += max(1, len(group) // 2)
        if gaz != "PER" and " " in key and key.split()[0] not in given_name_keys() and key.replace(" ", "") not in person_keys():
            # ... except on a listed place, organisation or club (or nationality phrase) of several
            # words that does not open with a given name: the tagger types an unknown foreign name by
            # its shape (بيونغ يانغ read as a person, بوكا جونيورز too), while GeoNames towns named
            # after people (جيف ديفيس، ستان لي) open with one; a name the gazetteer also lists as a
            # person (فان موريسون) stays with the tagger.
            votes[gaz] += len(group)
    return max(votes, key=lambda t: (votes[t], TYPE_PRIORITY.get(t, 0)))


def _display_name(forms: Counter[str]) -> str:
    longest = max(len(f.split()) for f in forms)
    return max((f for f in forms if len(f.split()) == longest), key=lambda f: (forms[f], f))


def annotate(page_text: str, articles: Sequence[Article]) -> list[Entity]:
    """Detect and link the entities of a page's articles together; fill each article's ``entities``.

    Linking is page-wide: fused articles on one page share context (بوتن in the second article
    is the فلاديمير بوتين of the first).
    """
    per_article = complete_spans(page_text, [detect_mentions(page_text, a) for a in articles])
    entities = link([m for ms in per_article for m in ms])
    by_id = {e.id: e for e in entities}
    spans = [[(f.span.start, f.span.end) for f in _fields(a) if f.span] for a in articles]
    held = holder_mentions(page_text, list(zip(spans, per_article, strict=True)), by_id)
    for article, found, more in zip(articles, per_article, held, strict=True):
        kept = sorted((m for m in found if m.entity_id in by_id), key=lambda m: m.start)
        article.entities = [
            Mention(m.text, m.start, m.end, m.type, m.entity_id or "", by_id[m.entity_id].name if m.entity_id else m.text,
                    m.title)
            for m in kept
        ]
        article.entities = sorted(article.entities + more, key=lambda m: m.start)
    return entities
