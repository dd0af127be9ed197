"""Per-article keyphrases: TF-IDF over stems, with background document frequencies from real news.

Written by hand rather than with YAKE (LGPL) or a scikit-learn vectorizer (a heavy dependency for
one table lookup): candidates are runs of one to three content words inside a sentence, scored by
the mean TF-IDF of their stems, and the page's own tags come first. Tags that name an entity of the
article carry its id.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from functools import lru_cache
from importlib import resources

from marsad.entities.canonical import MAX_TAGGED_CHARS
from marsad.models import Article, Keyword
from marsad.text.fold import fold_key
from marsad.text.normalize import clean_display
from marsad.text.stem import stem
from marsad.text.stopwords import stopwords
from marsad.text.tokens import LETTER_WORD

#: Keyphrases kept per article (tags come on top). Ten fits a sidebar and covers a news story's
#: actors, place and topic on the pages tried here.
MAX_KEYWORDS = 10
#: Longest keyphrase in words: Arabic noun phrases of interest (مجلس الأمن الدولي) rarely exceed three.
MAX_PHRASE_WORDS = 3
_BREAK = re.compile(r"[.!?؟،,;؛:\n()«»\"“”]")


@lru_cache(maxsize=1)
def background() -> tuple[int, dict[str, int]]:
    """Return (articles counted, stem → document frequency) from text/data/df.tsv.gz (SaudiNewsNet)."""
    raw = resources.files("marsad.text").joinpath("data/df.tsv.gz").read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    n = int(lines[0].split("\t")[1])
    df = {}
    for line in lines[1:]:
        s, c = line.split("\t")
        df[s] = int(c)
    return n, df


def keyphrases(text: str, limit: int = MAX_KEYWORDS) -> list[tuple[str, float]]:
    """Return the top keyphrases of ``text`` with their scores."""
    n_docs, df = background()
    sw = stopwords()
    tf: Counter[str] = Counter()
    candidates: Counter[tuple[str, ...]] = Counter()
    surface: dict[tuple[str, ...], dict[str, int]] = {}
    vocabulary = set(LETTER_WORD.findall(text))

    def bare(w: str) -> str:
        # Drop a glued conjunction/preposition when the bare word occurs on its own in the text too.
        if w[:1] in "ولبفك" and len(w) > 3 and w[1:] in vocabulary:
            return w[1:]
        if w.startswith("لل") and "ا" + w[1:] in vocabulary:
            return "ا" + w[1:]
        return w

    for chunk in _BREAK.split(text):
        words = [bare(w) for w in LETTER_WORD.findall(chunk)]
        stems = [stem(w) for w in words]
        stop = [w in sw for w in words]
        short = [len(s) < 2 for s in stems]
        tf.update(s for s, is_stop in zip(stems, stop, strict=True) if not is_stop)
        n = len(words)
        for i in range(n):
            if stop[i]:
                continue  # a phrase never opens with a stopword
            for j in range(i + 1, min(n, i + MAX_PHRASE_WORDS) + 1):
                if short[j - 1]:
                    break  # nor holds a word without a two-letter stem (nor does any longer phrase here)
                if stop[j - 1]:
                    continue  # nor ends with a stopword
                key = tuple(stems[i:j])
                candidates[key] += 1
                forms = surface.get(key)
                if forms is None:
                    surface[key] = forms = {}
                phrase = " ".join(words[i:j])
                forms[phrase] = forms.get(phrase, 0) + 1

    def idf(s: str) -> float:
        return math.log((n_docs + 1) / (df.get(s, 0) + 1))

    scored: list[tuple[tuple[str, ...], float]] = []
    for key, count in candidates.items():
        if count < 2 and len(key) > 1:
            continue  # a multi-word phrase said once is chance adjacency
        weight = sum(math.log1p(tf[s]) * idf(s) for s in key) / len(key)
        scored.append((key, weight * (1 + 0.5 * (len(key) - 1)) * math.log1p(count)))
    scored.sort(key=lambda x: -x[1])
    out: list[tuple[str, float]] = []
    chosen: list[set[str]] = []
    for key, score in scored:
        stems_of = set(key)
        # One phrase per idea: skip a phrase whose stems are inside (or contain) a chosen one's.
        if any(stems_of <= c or c <= stems_of for c in chosen):
            continue
        chosen.append(stems_of)
        out.append((clean_display(_display(surface[key])), round(score, 3)))
        if len(out) >= limit:
            break
    return out


def _display(forms: dict[str, int]) -> str:
    # Prefer a spelling without a glued conjunction or preposition (كوريا over لكوريا / وكوريا).
    bare = [f for f in forms if not f.startswith(("و", "ل", "ب", "ف", "ك")) or stem(f.split()[0]) == stem(f.split()[0][1:])]
    pool = bare or list(forms)
    return max(pool, key=lambda f: (forms[f], -len(f)))


def add_keywords(page_text: str, article: Article) -> None:
    """Set the article's ``keywords``: the page's tags first, then ranked keyphrases, tags linked to entities."""
    found = article.entities or []
    entities = {fold_key(m.text): m for m in found}
    entities.update({fold_key(m.name): m for m in found})
    out: list[Keyword] = []
    seen: set[str] = set()
    for tag in article.tags:
        k = fold_key(tag.text)
        seen.add(k)
        ent = entities.get(k)
        out.append(Keyword(tag.text, "tag", entity=ent.id if ent else None))
    body = "\n".join(x.text for x in (article.title, *article.headings, *article.paragraphs) if x is not None)
    for phrase, score in keyphrases(body[:MAX_TAGGED_CHARS]):
        k = fold_key(phrase)
        if k in seen:
            continue
        seen.add(k)
        ent = entities.get(k)
        out.append(Keyword(phrase, "tfidf", score=score, entity=ent.id if ent else None))
    article.keywords = out
