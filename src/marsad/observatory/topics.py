"""Top terms and top entities of a set of articles: a search's best matches, or a story's members.

Terms come from each article's stored keyphrases (``entities.keywords``: TF-IDF over stems against
SaudiNewsNet background frequencies, so words common in all news score low); a term is counted once
per article, and terms that link to an entity (listed with the entities instead), stopwords and
stop-listed words (formulas, honorifics, generic nouns: ``entities/data/stoplist.tsv``) are left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from marsad.entities.hygiene import is_junk, stoplist, word_key
from marsad.ports import Store
from marsad.search import SearchEngine
from marsad.text.normalize import normalize_text
from marsad.text.stem import stem
from marsad.text.stopwords import stopwords

#: A search's best matches read for its topics: the first pages a reader would look at, and a read
#: of their keyphrases takes ~20 ms on the 20k store.
TOPIC_ARTICLES = 200
#: Terms and entities listed.
TOP_TERMS = 15
TOP_ENTITIES = 15


def _formula(text: str) -> bool:
    """Return whether a phrase holds a word of a religious formula (الله العلي القدير, رحمه الله)."""
    listed = stoplist()
    return any((e := listed.get((word_key(w),))) is not None and e.kind == "formula" for w in text.split())


def top_terms(store: Store, article_ids: list[int], limit: int = TOP_TERMS) -> list[dict[str, Any]]:
    """Return the terms most of these articles share: ``{"term", "articles", "score"}``, most articles
    first (then the summed keyphrase score); the spelling shown is the most used one."""
    sw = stopwords()
    articles: Counter[str] = Counter()
    score: dict[str, float] = defaultdict(float)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for keywords in store.article_keywords(article_ids).values():
        seen: set[str] = set()
        for k in keywords:
            text = str(k.get("text") or "").strip()
            if not text or k.get("entity"):
                continue
            words = normalize_text(text).split()
            if not words or all(w in sw for w in words) or is_junk(text) or _formula(text):
                continue
            key = " ".join(stem(w) or w for w in words)  # التنظيم and تنظيم are one term
            spellings[key][text] += 1
            if key not in seen:
                seen.add(key)
                articles[key] += 1
                score[key] += float(k.get("score") or 0.0)
    ranked = sorted(articles, key=lambda t: (-articles[t], -score[t], t))[:limit]
    return [{"term": spellings[t].most_common(1)[0][0], "articles": articles[t], "score": round(score[t], 2)}
            for t in ranked]


def topics_of(store: Store, article_ids: list[int], limit: int = TOP_TERMS) -> dict[str, Any]:
    """Return the top terms and the top entities of a set of articles."""
    return {"articles": len(article_ids), "terms": top_terms(store, article_ids, limit),
            "entities": store.entity_counts(article_ids, limit)}


def query_topics(store: Store, engine: SearchEngine, query: str, limit: int = TOP_TERMS) -> dict[str, Any]:
    """Return the top terms and entities of a search's ``TOPIC_ARTICLES`` best matches."""
    ids, total, errors = engine.match_ids(query, TOPIC_ARTICLES)
    return {"query": query, "total": total, "errors": errors, **topics_of(store, ids, limit)}


def story_topics(store: Store, story_id: int, limit: int = TOP_TERMS) -> dict[str, Any] | None:
    """Return the top terms and entities of a story's articles (None when the story is absent)."""
    members = store.story_members(story_id)
    if not members:
        return None
    return {"story": story_id, **topics_of(store, sorted(members), limit)}

