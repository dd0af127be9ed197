"""``marsad similarity``: the story pair score for two free texts, outside any store.

The same features and model the story stage uses (``marsad.stories.features``, ``.score``),
with what a store would know replaced by what a text gives: the headline is the first line when
it is headline-sized (else the opening words), the entities are tagged in the lead, term weights
come from the SaudiNewsNet document frequencies shipped with Marsad (looked up by stem), and the
two texts have no date or outlet, so their gap is 0 and they are not one outlet's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from marsad.dedup.fingerprint import fingerprints
from marsad.stories.features import (
    ENTITY_PREFIX,
    FEATURES,
    LEAD_WORDS,
    StoryArticle,
    content_terms,
    pair_features,
    title_terms,
)
from marsad.stories.score import PairModel, load_model
from marsad.text.similarity import embed

#: A first line of at most this many words is the headline (SaudiNewsNet headlines: median 8, max 25).
HEADLINE_MAX_WORDS = 30
#: Words of a text embedded when it has no headline line.
EMBED_WORDS = 30
#: Features two bare texts cannot tell: when and by whom they were published, and which entities
#: their headlines name (entities are tagged in the lead only). A zero there would claim "the same
#: moment, different outlets, no named headline": on the 289 independently labelled pairs that
#: zero cost the text path its precision (0.66; with the average: P 0.81, R 0.85).
TEXT_UNKNOWN = ("days", "same_source", "same_title_later", "title_entities", "title_entity_conflict", "overlap_x_conflict")


@dataclass(frozen=True, slots=True)
class PairScore:
    """The graded similarity (0-1, the expected 0-4 grade over 4) and the probability of one story."""

    graded: float
    same_story: float

    def to_dict(self) -> dict[str, float]:
        """Return the JSON form."""
        return {"score": round(self.graded, 4), "same_story": round(self.same_story, 4)}


def split_headline(text: str) -> tuple[str | None, str]:
    """Return (headline, body) of a text: its first line when that line is headline-sized.

    A text that is one headline-sized line is a headline and its own body: two headlines compared
    must not lose every headline signal (the story model weighs headline entities and terms)."""
    head, _, rest = text.strip().partition("\n")
    if head.strip() and len(head.split()) <= HEADLINE_MAX_WORDS:
        return head.strip(), rest if rest.strip() else head
    return None, text


def _entities(lead: str) -> set[str]:
    from marsad.entities.canonical import annotate
    from marsad.models import Article, Field, Span

    art = Article(paragraphs=[Field(lead, Span(0, len(lead)))])
    annotate(lead, [art])
    return {m.id for m in art.entities or [] if m.id}


def _idf(terms: set[str], entities: set[str]) -> tuple[dict[str, float], float]:
    """Return term weights from the shipped document frequencies (by stem), and the unseen weight."""
    from marsad.entities.keywords import background
    from marsad.text.stem import stem

    n, df = background()
    unseen = math.log(n + 1) + 1.0
    weights = {t: math.log((n + 1) / (df.get(stem(t), 0) + 1)) + 1.0 for t in terms}
    weights.update({ENTITY_PREFIX + e: unseen for e in entities})  # names the corpus never counted
    return weights, unseen


def text_articles(texts: Sequence[str]) -> list[StoryArticle]:
    """Return the story features of free texts (embedded in one batch)."""
    parts = [split_headline(t) for t in texts]
    heads = [h if h else " ".join(b.split()[:EMBED_WORDS]) for h, b in parts]
    vectors = embed(heads)
    fps = fingerprints([(h, b) for h, b in parts])
    now = datetime.now(UTC)
    out = []
    for i, ((head, body), fp) in enumerate(zip(parts, fps, strict=True)):
        lead = " ".join(body.split()[:LEAD_WORDS])
        out.append(StoryArticle(i, now, head, None, vectors[i], content_terms(head, body), title_terms(head),
                                _entities(f"{head}\n{lead}" if head else lead), fp.signature if body.strip() else None))
    return out


def pair_scores(pairs: Sequence[tuple[str, str]], model: PairModel | None = None) -> list[PairScore]:
    """Return the story pair score of each ``(text1, text2)``."""
    if not pairs:
        return []
    model = model or load_model()
    arts = text_articles([t for p in pairs for t in p])
    unknown = [FEATURES.index(n) for n in TEXT_UNKNOWN if n in FEATURES]
    out = []
    for i in range(len(pairs)):
        a, b = arts[2 * i], arts[2 * i + 1]
        weights, unseen = _idf(a.terms | b.terms | a.title_terms | b.title_terms, a.entities | b.entities)
        f = pair_features(a, b, weights, unseen)
        for k in unknown:
            f[k] = model.mean[k]  # not known for two bare texts: the model's average, which moves no score
        out.append(PairScore(model.graded(f), model.same_story(f)))
    return out
