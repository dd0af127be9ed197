"""Related articles: other stories that share real evidence with an article, one article per story.

Candidates are the nearest headlines (embedding cosine) of the surrounding weeks; each is scored by
the graded pair similarity of ``marsad.stories.score`` and kept only when the two articles share
an entity or at least ``MIN_SHARED_RARE`` rare terms, so a headline that merely reads alike (the
only shared word جنوب: "south" of Turabah, of Sudan, of the kingdom's weather) is never offered.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from marsad.ports import Store
from marsad.stories.cluster import (
    WINDOW_DAYS,
    days_before,
    ensure_embeddings,
    load_members,
    parse_date,
    vector_of,
)
from marsad.stories.features import ENTITY_PREFIX, RARE_IDF_SHARE, StoryArticle, pair_features
from marsad.stories.idf import Idf
from marsad.stories.score import PairModel, load_model

#: Nearest headlines per wanted related article that are scored: the one-per-story collapse and
#: the evidence gate drop many; 20 leaves room at little cost.
RELATED_POOL = 20
#: Days around the article searched for related stories (a related story may be older than the
#: story window, e.g. the attack a funeral report refers to).
RELATED_DAYS = WINDOW_DAYS * 10
#: Rare terms two articles must share (when they share no entity) to be related at all.
MIN_SHARED_RARE = 2
#: Graded similarity below which an article is not offered as related (0.25 = expected grade 1,
#: "looks alike only").
MIN_RELATED = 0.25


def shared_evidence(a: StoryArticle, b: StoryArticle, idf: dict[str, float], unseen: float) -> bool:
    """Return True when two articles share an entity or ``MIN_SHARED_RARE`` rare terms."""
    if a.entities & b.entities:
        return True
    rare = RARE_IDF_SHARE * unseen
    return sum(1 for t in a.terms & b.terms if idf.get(t, unseen) >= rare) >= MIN_SHARED_RARE


def related_articles(store: Store, article_id: int, k: int = 10, model: PairModel | None = None) -> list[dict[str, Any]]:
    """Return up to ``k`` articles of other stories related to one article, best first, one per story."""
    rows = store.article_texts([article_id])
    if not rows:
        return []
    model = model or load_model()
    ensure_embeddings(store, rows)
    since = days_before(parse_date(rows[0].get("date")), RELATED_DAYS)
    story = dict(store.window_articles(since.isoformat()))
    my_story = story.get(article_id)
    if my_story is None:
        return []  # not clustered yet: nothing to relate it to
    others = [a for a, s in story.items() if s != my_story]
    vecs = {i: vector_of(b) for i, b in store.embeddings([article_id, *others]).items()}
    others = [a for a in others if a in vecs]
    if not others:
        return []
    cos = np.stack([vecs[a] for a in others]) @ vecs[article_id]
    pool = [others[int(j)] for j in cos.argsort()[::-1][: k * RELATED_POOL]]
    feats = load_members(store, [article_id, *pool], vecs)
    me = feats[article_id]
    idfs = Idf(store)
    scored: list[tuple[float, int]] = []
    for aid in pool:
        other = feats[aid]
        weights = idfs.of(me.terms | other.terms | me.title_terms | other.title_terms
                          | {ENTITY_PREFIX + e for e in me.entities | other.entities})
        if not shared_evidence(me, other, weights, idfs.unseen):
            continue
        g = model.graded(pair_features(me, other, weights, idfs.unseen))
        if g >= MIN_RELATED:
            scored.append((g, aid))
    listing = store.article_rows([a for _, a in scored])
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for g, aid in sorted(scored, reverse=True):
        sid = story[aid]
        if sid in seen or aid not in listing:
            continue
        seen.add(sid)
        r = listing[aid]
        out.append({"id": aid, "url": r.url, "source": r.source, "title": r.title, "story": sid, "score": round(g, 4)})
        if len(out) >= k:
            break
    return out
