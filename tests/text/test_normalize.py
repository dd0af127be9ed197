"""Properties and real cases of the offset-preserving normalizer, tokenizer, stemmer and name key."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.text import fold_key, normalize, normalize_text, stem, tokenize
from marsad.text.normalize import clean_display

ARABIC = st.text(
    alphabet=st.sampled_from(
        [*list("ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئىةـًٌٍَُِّْٰ٠١٢٣٤٥٦٧٨٩۰۱۲کیۀەگپچژ ،.\n"), "\xa0", "\u200f", "\u202b", "ﻻ", "ﷲ"]
    ),
    max_size=80,
)
ANY = st.one_of(ARABIC, st.text(max_size=60))


@given(ANY)
@settings(max_examples=300)
def test_idempotent(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once
    assert normalize(once).text == once


@given(ANY)
@settings(max_examples=300)
def test_offsets_round_trip(s: str) -> None:
    n = normalize(s)
    assert n.text == normalize_text(s)
    assert len(n.offsets) == len(n.text)
    assert list(n.offsets) == sorted(n.offsets)
    for i, ch in enumerate(n.text):
        # Every normalized character comes from the original character it points at.
        assert ch in normalize_text(s[n.offsets[i]])
    for start in range(len(n.text)):
        for end in range(start + 1, min(len(n.text), start + 6) + 1):
            o_start, o_end = n.to_original(start, end)
            # A ligature (ﻻ, ﷲ) expands to several letters: part of it maps back to the whole glyph.
            assert n.text[start:end] in normalize_text(s[o_start:o_end])


@given(st.text(alphabet=string.printable, max_size=100))
def test_non_arabic_untouched(s: str) -> None:
    assert normalize_text(s) == s
    assert normalize(s).offsets == tuple(range(len(s)))


def test_real_variants_match() -> None:
    assert normalize_text("فى") == normalize_text("في")
    assert normalize_text("کوریا الشمالیة") == normalize_text("كوريا الشمالية")
    assert normalize_text("أوكرانيا") == normalize_text("اوكرانيا")
    assert normalize_text("٤٢٥ مليون") == "425 مليون"
    assert normalize_text("۲۰۲۴") == "2024"
    assert normalize_text("ويُنظَر") == "وينظر"
    assert normalize_text("مــصــر") == "مصر"
    assert normalize_text("a\u00a0b\u200fc") == "a bc"


def test_fold_key_merges_transliterations() -> None:
    keys = {fold_key(s) for s in ("بيونج يانج", "بيونغ يانغ", "پيونگ يانگ", "بيونغيانغ")}
    assert len(keys) == 1
    assert fold_key("بوتين") != fold_key("بوتان")
    assert fold_key("زيلينسكى") == fold_key("زيلينسكي")
    assert fold_key("البنتاجون") == fold_key("البنتاغون")


def test_tokens_point_back_to_original() -> None:
    text = "وأعرب البنتاجون عن قلقه من أن ٨ آلاف جندى كورى شمالى"
    toks = tokenize(text)
    assert [t.text for t in toks][:2] == ["وأعرب", "البنتاجون"]
    for t in toks:
        assert text[t.start : t.end] == t.text
        assert normalize_text(t.text) == t.norm
    assert toks[6].norm == "8"


def test_stem_joins_inflections_and_clitics() -> None:
    assert stem("والكتاب") == stem("الكتاب") == stem("كتاب")
    assert stem("اتهامات") == stem("اتهام")
    assert stem("الشمالية") == stem("الشماليه") == stem("الشمالیة")
    assert stem("تحالفات") == stem("التحالف")
    assert stem("Putin") == "putin"


def test_clean_display() -> None:
    assert clean_display("قلق\u00a0أمريكي\u200f  من") == "قلق أمريكي من"
