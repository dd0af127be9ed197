"""Incremental story clustering (after Miranda et al., 2018, "Multilingual clustering of streaming news").

Each new article, in date order, is compared with the articles of the last ``WINDOW_DAYS``:
candidates are its nearest headlines by embedding, the articles sharing one of its rarer entities
(paraphrases that share the names but little wording) and its recorded near-duplicates. Every
candidate pair is scored by the pair model (``marsad.stories.score``: headline embedding, term,
headline and entity overlap, MinHash Jaccard, days apart, the rarest shared words, and the
template signals of ``marsad.stories.features``) and the score is recorded. The article first
joins the story of its best-scoring member at or above ``JOIN_THRESHOLD`` (so that it has a story
at once), or starts one. After each batch the re-clustering pass (``marsad.stories.recluster``)
re-decides the articles of the last day together by average linkage over the recorded scores:
stories that turn out to be one merge, and a story whose recent members do not hold together splits.

What was measured on the dev days (2015-07-21..27) and not kept: combining a story's top three
members (damped noisy-or) instead of the best one alone (pairwise precision 0.83 against 0.90, at
the same recall), a TF-IDF centroid join (Miranda et al.; B-cubed precision 0.88 against 0.92, no
recall gained), lifting articles that name a story's rare "anchor" entity (precision 0.83),
halving the score of headlines naming different entities (precision 0.87), and (story version 4,
cross-validated) best-member assignment without the re-clustering pass (precision 0.83 against 0.94).

Entity ids, headline terms and headline entities are kept with the content terms in the store's
term tables (under ``ENTITY_PREFIX``, ``TITLE_PREFIX`` and ``TITLE_ENTITY_PREFIX``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from marsad.dedup.fingerprint import signature_from_bytes
from marsad.errors import StoreError
from marsad.extract.dates import plausible
from marsad.ports import Store
from marsad.stories.features import (
    ENTITY_PREFIX,
    SAME_TEXT_JACCARD,
    TITLE_ENTITY_PREFIX,
    TITLE_PREFIX,
    StoryArticle,
    Weighed,
    is_bulletin,
    signature_jaccard,
    spelled_in,
    split_terms,
    stored_terms,
    weigh,
    weighed_features,
)
from marsad.stories.idf import DOCS_TERM, Idf
from marsad.stories.recluster import APART, RECLUSTER_DAYS, average_link, story_ids
from marsad.stories.score import PairModel, load_model
from marsad.text.similarity import EMBEDDING_DIM, EMBEDDING_MODEL, embed

log = logging.getLogger(__name__)

#: Bump when the story features or assignment rule change (6: headline entities include the
#: article's entities whose spelling the headline writes, and the pair model refitted on them; 7: the
#: next-issue rule is for forecast bulletins only, and it is a cannot-link in the re-clustering pass;
#: 8: re-clustering leaves older members their story id when a recent member splits off; 9: the
#: members of the window's stories of the day before the window take part in re-clustering; 10: the
#: pair model refitted on entities where a holder title alone names its holder, not a headline entity).
STORY_VERSION = 10
#: Days back (and forward, for late arrivals) a new article looks for its story. Of the judged
#: same-story pairs of the dev days, 97% are at most 2 days apart (print editions run the wire
#: story next morning); a story that goes on longer is followed member to member.
WINDOW_DAYS = 3
#: Window members scored per new article by headline cosine.
CANDIDATES = 30
#: Headline cosine below which a window member is not a cosine candidate (entity and
#: near-duplicate candidates are scored anyway).
MIN_COSINE = 0.25
#: Window members sharing a rare entity scored per new article (the most recent first).
ENTITY_CANDIDATES = 30
#: An entity is a retrieval key when at most this share of the window's articles mention it: a
#: country every Saudi article names (the kingdom itself) would bring the whole window.
RARE_ENTITY_SHARE = 0.02
#: Same-story probability of the best member at or above which an article joins its story. On the
#: dev days 0.45 gave pairwise P 0.86 R 0.90, 0.5 P 0.90 R 0.88, 0.6 P 0.91 R 0.87, 0.7 P 0.91 R
#: 0.84: 0.5 is where precision stops rising faster than recall falls.
JOIN_THRESHOLD = 0.5
#: Meta key recording the embedding model of stored embeddings.
EMBEDDING_META = "embedding_model"


def embedding_text(title: str | None, text: str) -> str:
    """Return the text an article is embedded from: its headline, or its first words if untitled."""
    return title.strip() if title and title.strip() else " ".join(text[:2000].split()[:30])


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


def vector_of(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f2").astype(np.float32)


def ensure_embeddings(store: Store, arts: Sequence[dict[str, Any]]) -> dict[int, np.ndarray]:
    """Return embeddings of the given articles, computing and storing those not stored yet."""
    _check_model(store)
    have = {i: vector_of(b) for i, b in store.embeddings([int(a["id"]) for a in arts]).items()}
    missing = [a for a in arts if int(a["id"]) not in have]
    if missing:
        mat = embed([embedding_text(a.get("title"), a.get("text") or "") for a in missing])
        for a, v in zip(missing, mat, strict=True):
            store.put_embedding(int(a["id"]), v.astype("<f2").tobytes())
            have[int(a["id"])] = v.astype(np.float16).astype(np.float32)
    return have


def load_members(store: Store, ids: Sequence[int], vectors: dict[int, np.ndarray] | None = None) -> dict[int, StoryArticle]:
    """Return the story features of already clustered articles (those with an embedding), by id."""
    vecs = vectors if vectors is not None else {i: vector_of(b) for i, b in store.embeddings(ids).items()}
    ids = [i for i in ids if i in vecs]
    listing = store.article_rows(ids)
    terms = store.article_terms(ids)
    sigs = store.signatures(ids)
    out = {}
    for i in ids:
        row = listing.get(i)
        t = split_terms(terms.get(i, ()))
        sig = signature_from_bytes(sigs[i]) if i in sigs else None
        out[i] = StoryArticle(i, parse_date(row.date if row else None), row.title if row else None,
                              row.source if row else None, vecs[i], t.content, t.title, t.entities, sig,
                              t.title_entities)
    return out


class Window:
    """Story members of the current time window, loaded from the store once per run."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.loaded_since: datetime | None = None
        self._reset()

    def _reset(self) -> None:
        self.weights: dict[int, Weighed] = {}
        self.ids: list[int] = []
        self.story: dict[int, int] = {}
        self.pos: dict[int, int] = {}
        self.arts: dict[int, StoryArticle] = {}
        self.by_entity: dict[str, list[int]] = defaultdict(list)
        self.by_story: dict[int, list[int]] = defaultdict(list)
        self._buf = np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        self.mat = self._buf

    def load(self, since: datetime) -> None:
        """Load every story member dated at or after ``since`` (once; a later ``since`` is a no-op)."""
        if self.loaded_since is not None and self.loaded_since <= since:
            return
        rows = self.store.window_articles(since.isoformat())
        members = load_members(self.store, [a for a, _ in rows])
        story = dict(rows)
        self._reset()
        self._buf = np.zeros((max(1024, 2 * len(members)), EMBEDDING_DIM), dtype=np.float32)
        for aid, _ in rows:
            if aid in members:
                self.add(members[aid], story[aid])
        self.loaded_since = since

    def add(self, art: StoryArticle, story_id: int) -> None:
        """Add a member (grows the embedding matrix by doubling: amortized O(1))."""
        n = len(self.ids)
        if n >= len(self._buf):
            self._buf = np.concatenate([self._buf, np.zeros_like(self._buf)])
        self._buf[n] = art.vector
        self.ids.append(art.id)
        self.pos[art.id] = n
        self.mat = self._buf[: n + 1]
        self.story[art.id] = story_id
        self.by_story[story_id].append(art.id)
        self.arts[art.id] = art
        for e in art.entities:
            self.by_entity[e].append(art.id)

    def weighed(self, art: StoryArticle, idf: Idf) -> Weighed:
        """Return an article's looked-up term weights (cached for the run: IDF is fixed per run)."""
        w = self.weights.get(art.id)
        if w is None:
            table = idf.of(self.term_keys(art))
            w = self.weights[art.id] = weigh(art, table, idf.unseen)
        return w

    @staticmethod
    def term_keys(art: StoryArticle) -> set[str]:
        """Return the keys an article's weights are looked up under: its terms and marked entity ids."""
        return art.terms | art.title_terms | {ENTITY_PREFIX + e for e in art.entities}

    def rare_entities(self, entities: set[str]) -> frozenset[str]:
        """Return those of ``entities`` that at most ``RARE_ENTITY_SHARE`` of the window's articles mention."""
        cap = max(2, int(RARE_ENTITY_SHARE * len(self.ids)))
        return frozenset(e for e in entities if len(self.by_entity.get(e, ())) <= cap)

    def candidates(self, art: StoryArticle, dups: Sequence[int]) -> dict[int, float]:
        """Return candidate member ids with their headline cosine: nearest headlines, shared rare entities, duplicates."""
        out: dict[int, float] = {}
        if not self.ids:
            return out
        cos_all = self.mat @ art.vector
        k = min(CANDIDATES, len(cos_all))
        top = np.argpartition(-cos_all, k - 1)[:k]
        for j in top[cos_all[top] >= MIN_COSINE]:
            out[self.ids[int(j)]] = float(cos_all[int(j)])
        shared: list[int] = []
        for e in self.rare_entities(art.entities):
            shared.extend(self.by_entity.get(e, [])[-ENTITY_CANDIDATES:])
        for aid in sorted(set(shared), key=lambda a: -self.pos[a])[:ENTITY_CANDIDATES]:
            out.setdefault(aid, float(cos_all[self.pos[aid]]))
        for d in dups:
            if d in self.pos:
                out.setdefault(d, float(cos_all[self.pos[d]]))
        return out


def derive_features(store: Store, ids: Sequence[int]) -> list[StoryArticle]:
    """Compute, store and return the story features of not-yet-clustered articles, in date order.

    Embeddings are computed once and stored; the terms (content, headline, entities) are stored
    and counted into the document frequencies the IDF weights come from.
    """
    already = store.story_of(ids)
    rows = [a for a in store.article_texts(ids) if int(a["id"]) not in already]
    if not rows:
        return []
    vectors = ensure_embeddings(store, rows)
    entities = store.article_entities([int(a["id"]) for a in rows])
    sigs = store.signatures([int(a["id"]) for a in rows])
    known = store.article_terms([int(a["id"]) for a in rows])
    fresh = [int(a["id"]) for a in rows if int(a["id"]) not in known]
    heads = store.headline_entities(fresh)
    forms = store.mention_forms(fresh)
    out = []
    for a in rows:
        aid = int(a["id"])
        ents = set(entities.get(aid, ()))
        stored = known.get(aid)
        if not stored:
            in_title = heads.get(aid, set()) | spelled_in(a.get("title"), forms.get(aid, ()))
            stored = stored_terms(a.get("title"), a.get("text") or "", ents, in_title)
            store.add_terms([*(t for t in stored if t[:1] not in (TITLE_PREFIX, TITLE_ENTITY_PREFIX)), DOCS_TERM])
            store.put_terms(aid, stored)
        t = split_terms(stored)
        sig = signature_from_bytes(sigs[aid]) if aid in sigs else None
        out.append(StoryArticle(aid, parse_date(a.get("date")), a.get("title"), a.get("source"),
                                vectors[aid], t.content, t.title, ents, sig, t.title_entities))
    out.sort(key=lambda x: (x.date, x.id))
    return out


def cluster_articles(store: Store, ids: Sequence[int], model: PairModel | None = None) -> StoryReport:
    """Assign the given articles to stories (joining, starting or merging stories), in date order."""
    report = StoryReport()
    store.lock_stories()
    items = derive_features(store, ids)
    if not items:
        return report
    model = model or load_model()
    window = Window(store)
    window.load(days_before(items[0].date, WINDOW_DAYS))
    dups: dict[int, list[int]] = defaultdict(list)
    for x, y, kind, _ in store.duplicate_pairs([a.id for a in items]):
        if kind in ("exact", "near"):
            dups[x].append(y)
            dups[y].append(x)
    idf = Idf(store)
    # One lookup of every term the batch and its window can weigh (thousands of small queries
    # otherwise, one per article scored: a fifth of the stage). IDF is fixed for the run either way.
    idf.of({t for a in (*items, *window.arts.values()) for t in window.term_keys(a)})
    for art in items:
        _assign(store, window, idf, model, art, dups.get(art.id, []), report)
    recluster(store, window, items[0].date, report)
    for sid in report.touched:
        refresh_story(store, sid)
    log.debug("clustered %d articles: %d joined, %d new stories, %d merged", len(items), report.joined,
              report.new_stories, report.merged)
    return report


def _score(window: Window, idf: Idf, model: PairModel, art: StoryArticle, others: Sequence[int]) -> dict[int, float]:
    """Return the same-story probability of ``art`` with each member of ``others``."""
    if not others:
        return {}
    mine = window.weighed(art, idf)
    rows = np.stack([weighed_features(art, window.arts[o], mine, window.weighed(window.arts[o], idf)) for o in others])
    return dict(zip(others, model.same_story_many(rows).tolist(), strict=True))


def _assign(store: Store, window: Window, idf: Idf, model: PairModel, art: StoryArticle,
            dups: Sequence[int], report: StoryReport) -> None:
    report.articles += 1
    lo, hi = days_before(art.date, WINDOW_DAYS), art.date + timedelta(days=WINDOW_DAYS)
    cands = [c for c in window.candidates(art, dups) if lo <= window.arts[c].date <= hi]
    scores = _score(window, idf, model, art, cands)
    # A forecast bulletin of an earlier calendar day is another issue of a recurring item: its story is
    # closed, and the pair is recorded as apart (a cannot-link for the re-clustering pass).
    issues = {c for c in cands if earlier_issue(art, window.arts[c])}
    closed = {window.story[c] for c in issues}
    store.add_story_edges([(art.id, c, APART if c in issues else p) for c, p in scores.items()])
    per_story: dict[int, list[float]] = defaultdict(list)
    best_member: dict[int, tuple[float, int]] = {}
    for cid, p in scores.items():
        sid = window.story[cid]
        if sid in closed:
            continue
        per_story[sid].append(p)
        if p > best_member.get(sid, (-1.0, 0))[0]:
            best_member[sid] = (p, cid)
    ranked = sorted(((max(ps), sid) for sid, ps in per_story.items()), reverse=True)
    if ranked and ranked[0][0] >= JOIN_THRESHOLD:
        score, sid = ranked[0]
        report.joined += 1
        # No merge of the other stories it matches here: a merge is decided by the re-clustering
        # pass on all the pairs between two stories. Merging on one strong pair chained the
        # congratulation cables of one day (Colombia, Oman, Egypt) into one story on the full days.
        p, match = best_member[sid]
        if match not in dups:
            store.add_duplicate(art.id, match, "paraphrase", round(p, 4))
            report.paraphrases += 1
    else:
        sid, score = store.new_story(), 1.0
        report.new_stories += 1
    store.assign_story(art.id, sid, art.date.isoformat(), round(score, 4))
    window.add(art, sid)
    report.touched.add(sid)


def earlier_issue(art: StoryArticle, other: StoryArticle) -> bool:
    """Return True when ``other`` is an earlier day's issue of the recurring item ``art`` continues: both
    headlines are a forecast bulletin's (``features.is_bulletin``), ``other`` is of an earlier calendar
    day, and its body is not an edited copy of ``art``'s (a reprint is a duplicate, not a new issue)."""
    return (
        other.date.date() < art.date.date()
        and is_bulletin(art.title)
        and is_bulletin(other.title)
        and signature_jaccard(art.signature, other.signature) < SAME_TEXT_JACCARD
    )


def recluster(store: Store, window: Window, batch_start: datetime, report: StoryReport) -> None:
    """Re-decide the stories of the window's recent articles by average linkage (``marsad.stories.recluster``)."""
    horizon = days_before(batch_start, RECLUSTER_DAYS)
    # Older members start grouped by their story (an anchor that can absorb, not split); recent ones alone.
    anchors = {a for a in window.ids if window.arts[a].date < horizon}
    start = {a: (window.story[a] if a in anchors else -a) for a in window.ids}
    # Members of the window's stories dated up to RECLUSTER_DAYS before the window were scored against
    # the recent articles too (candidates reach WINDOW_DAYS back from each article): they join their
    # anchors as evidence only (not re-assigned), so a story whose first reports left the window is
    # still judged on them (dev folds, replay: pairwise P 0.963 -> 0.976, R 0.878 -> 0.883).
    current = dict(window.story)
    stories = set(current.values())
    for aid, owner in store.window_articles(days_before(batch_start, WINDOW_DAYS + RECLUSTER_DAYS).isoformat()):
        if owner in stories and aid not in start:
            start[aid] = current[aid] = owner
            anchors.add(aid)
    edges = store.story_edges(list(start))
    label = average_link(start, edges)
    groups: dict[int, list[int]] = defaultdict(list)
    for aid, g in label.items():
        groups[g].append(aid)
    best: dict[int, float] = {}
    for a, b, p in edges:
        if label[a] == label[b]:
            best[a] = max(best.get(a, 0.0), p)
            best[b] = max(best.get(b, 0.0), p)
    before = set(window.story.values())
    for g, sid in story_ids(groups, current, anchors).items():
        members = [a for a in groups[g] if a in window.arts]  # the older evidence stays where it is
        if not members:
            continue
        if sid is None:
            sid = store.new_story()
            report.new_stories += 1
        for aid in members:
            if window.story[aid] != sid:
                report.touched.add(window.story[aid])
                store.assign_story(aid, sid, window.arts[aid].date.isoformat(), round(best.get(aid, 1.0), 4))
                window.story[aid] = sid
                report.touched.add(sid)
    for sid in before - set(window.story.values()):
        if store.drop_empty_story(sid):  # only when no member is left outside the window either
            report.merged += 1


def refresh_story(store: Store, story_id: int) -> None:
    """Recompute a story's title (its most central headline), first/last seen and size."""
    members = store.story_members(story_id)
    if not members:
        return
    rows = store.article_rows(members)  # titles and dates only: a member's text may be megabytes
    vecs = {i: vector_of(b) for i, b in store.embeddings(members).items()}
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
