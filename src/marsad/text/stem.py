"""Arabic stemming with Snowball (BSD) over Marsad's normalized, clitic-split words."""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

from marsad.text.normalize import normalize_text
from marsad.text.tokens import words

_STEMMER = snowballstemmer.stemmer("arabic")
# Snowball's suffix rules look for ة and ى, so they are restored before stemming: matching
# normalization maps them to ه/ي, which would hide the feminine and adjective endings.
# Snowball handles ال/لل/و/ف/ب/ك alone but leaves conjunction+article clusters (والكتاب), so the
# conjunction is split off first; the rest is left to Snowball so all forms go through one rule set.
_CONJ_ARTICLE = ("وال", "فال", "ولل", "فلل", "وبال", "فبال", "وكال", "فكال")


def _prepare(norm: str) -> str:
    for p in _CONJ_ARTICLE:
        if norm.startswith(p) and len(norm) - len(p) >= 2:
            norm = norm[1:]
            break
    if norm.endswith("ه") and len(norm) > 3:
        norm = norm[:-1] + "ة"
    return norm


@lru_cache(maxsize=262144)
def stem(word: str) -> str:
    """Return the stem of one word: a matching key shared by its inflected and cliticized forms."""
    w = normalize_text(word)
    if not w:
        return w
    if not any("\u0600" <= c <= "\u06ff" for c in w):
        return w.lower()
    out = normalize_text(str(_STEMMER.stemWord(_prepare(w))))
    # Snowball strips only the ت of the plural ات in some lengths (اتهامات -> اتهاما), which
    # would split a plural from its singular (اتهام); finish the suffix it started.
    if w.endswith("ات") and out.endswith("ا") and len(out) > 3:
        out = out[:-1]
    return out


def stems(text: str) -> list[str]:
    """Return the stems of all words of ``text``."""
    return [stem(w) for w in words(text)]
