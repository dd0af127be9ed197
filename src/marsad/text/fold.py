"""The name-folding key: one key for the spellings of a transliterated name.

بيونج يانج، بيونغ يانغ and پيونگ يانگ all fold to one key. It is deliberately coarser than matching
normalization (ج/غ/گ are one "g"), so it is only used for names, never for ordinary words.
"""

from __future__ import annotations

from functools import lru_cache

from marsad.text.normalize import normalize_text

#: Bump when the folding rules change (stored entity keys are derived from it).
FOLD_VERSION = 1

# Applied to the original text before matching normalization, because normalization maps گ to ك
# (the keyboard counterpart) while in transliterated names گ is the "g" that Arabic writes ج or غ.
_PRE = str.maketrans({"گ": "ج", "ڠ": "ج", "چ": "ج", "ژ": "ج"})
# "g" is written ج (Egypt) or غ (Levant/Gulf) or ق in some dialect spellings of foreign names.
_POST = str.maketrans({"غ": "ج", " ": None, "-": None, "\u200c": None, "_": None, "'": None})


@lru_cache(maxsize=65536)
def fold_key(name: str) -> str:
    """Return the transliteration-folding key of a name."""
    s = normalize_text(name.translate(_PRE)).strip()
    return s.translate(_POST)
