"""Who said what (issue 17): the statement forms of Arabic news, attributed and linked."""

from __future__ import annotations

from marsad.entities.quotes import extract_quotes
from marsad.models import Mention

TEXT = ("الرياض - واس. وقال وزير الخارجية عادل الجبير في مؤتمر صحفي إن المملكة ترحب بالاتفاق. "
        "وأضاف أن الحوار مستمر. وأكدت وزارة الداخلية في بيان: «القبض على المتهمين». "
        "واعتبر المحلل أن الوضع خطير، مشيرا إلى تراجع الأسعار. وتقع المدينة بين جبلين.")


def test_verb_first_statements_with_their_speakers() -> None:
    """إن، a colon and «», a speaker's place (في بيان) left out, and a bare وأضاف continuing the last speaker."""
    quotes = extract_quotes(TEXT)
    got = [(q.speaker, q.content.split()[0]) for q in quotes]
    assert got == [("وزير الخارجية عادل الجبير", "المملكة"), ("وزير الخارجية عادل الجبير", "الحوار"),
                   ("وزارة الداخلية", "القبض"), ("المحلل", "الوضع")]
    assert all(TEXT[q.speaker_start : q.speaker_end] == q.speaker for q in quotes)
    assert TEXT[quotes[0].start :].startswith("المملكة")


def test_speaker_links_to_the_entity_inside_it() -> None:
    """The speaker's entity is the last person or organisation mention inside its words."""
    name = "عادل الجبير"
    at = TEXT.index(name)
    jubeir = Mention(name, at, at + len(name), "PER", "marsad:per:jubeir", name)
    quotes = extract_quotes(TEXT, [jubeir])
    assert quotes[0].entity == quotes[1].entity == "marsad:per:jubeir"
    assert quotes[2].entity is None


def test_no_statement_without_a_reporting_verb() -> None:
    """بين ("between") and a verb with no complementizer or colon report nothing."""
    assert extract_quotes("وتقع المدينة بين جبلين. وقال الشاهد لاحقا كلاما كثيرا.") == []
