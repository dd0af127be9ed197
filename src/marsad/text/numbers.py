"""Counts in Arabic with the noun in the form the number governs: خبر واحد، خبران، 3 أخبار، 11 خبرًا، 100 خبر.

Hand-written because no library here knows Arabic number agreement for digits (num2words spells
the number out in words; Babel's plural rules give the category but not the noun's form).
"""

from __future__ import annotations

from typing import NamedTuple


class Noun(NamedTuple):
    """The forms a counted noun takes: singular, dual, plural, accusative singular, and 'one' in its gender."""

    singular: str
    dual: str
    plural: str
    accusative: str
    one: str


#: The nouns Marsad counts on its pages.
NOUNS: dict[str, Noun] = {
    "خبر": Noun("خبر", "خبران", "أخبار", "خبرًا", "واحد"),
    "قصة": Noun("قصة", "قصتان", "قصص", "قصةً", "واحدة"),
    "إشارة": Noun("إشارة", "إشارتان", "إشارات", "إشارةً", "واحدة"),
    "مصدر": Noun("مصدر", "مصدران", "مصادر", "مصدرًا", "واحد"),
    "كيان": Noun("كيان", "كيانان", "كيانات", "كيانًا", "واحد"),
    "نتيجة": Noun("نتيجة", "نتيجتان", "نتائج", "نتيجةً", "واحدة"),
}


def count_phrase(n: int, noun: str) -> str:
    """Return ``n`` with ``noun`` (a key of ``NOUNS``) in the form Arabic grammar gives it after that number."""
    forms = NOUNS[noun]
    if n == 1:
        return f"{forms.singular} {forms.one}"
    if n == 2:
        return forms.dual
    rest = n % 100
    if n >= 100 and rest in (0, 1, 2):
        return f"{n} {forms.singular}"  # مئة خبر، 101 خبر: the hundred governs the genitive singular
    if 3 <= rest <= 10:
        return f"{n} {forms.plural}"
    if 11 <= rest <= 99:
        return f"{n} {forms.accusative}"
    return f"{n} {forms.singular}"  # 0
