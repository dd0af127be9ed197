"""Span completion and the gazetteer's vote on real sentences of the seed page."""

from __future__ import annotations

from marsad.entities.canonical import Detected, fold_key_words, link
from marsad.entities.complete import complete_spans

#: Sentences of ``shared/pages/seed-kim-putin.txt``, verbatim, joined by a space.
PAGE = ("قدرة مجلس الأمن التابع للأمم المتحدة على كبح طموحات بيونغ يانغ النووية، مما يؤدي إلى زيادة المخاوف بشأ "
        "وريا الشمالية للولايات المتحدة وكوريا الجنوبية، اللتين تزعم بيونج يانج أنهما متورطتان فى مناقشات سري "
        "هذا التحالف الناشئ تمتد إلى ما هو أبعد من أوروبا وشبه الجزيرة الكورية. إن تشديد الروابط بين "
        "روسيا تشكل مصدر قلق كبير، مع احتمال إشعال أزمة في شبه الجزيرة الكورية وتعقيد استجابة الولاي")


def _at(text: str, typ: str, nth: int = 0, source: str = "ner") -> Detected:
    start = -1
    for _ in range(nth + 1):
        start = PAGE.index(text, start + 1)
    return Detected(text, start, start + len(text), typ, " ".join(fold_key_words(text)), source)


def test_a_cut_name_grows_to_the_full_name_the_page_spells() -> None:
    short, rest, full = _at("بيونغ", "LOC"), _at("يانغ النووية", "PER"), _at("بيونج يانج", "PER")
    [kept] = complete_spans(PAGE, [[short, rest, full]])
    assert short in kept and short.text == "بيونغ يانغ" and PAGE[short.start : short.end] == short.text
    assert rest not in kept, "the cut-off rest of the name is dropped"
    assert full in kept and full.text == "بيونج يانج"


def test_a_proclitic_does_not_stop_completion() -> None:
    short = _at("وشبه الجزيرة", "LOC")
    full = _at("شبه الجزيرة الكورية", "LOC", nth=1)
    [kept] = complete_spans(PAGE, [[short, full]])
    assert short.text == "وشبه الجزيرة الكورية" and kept == [short, full]


def test_no_growth_when_the_next_words_differ() -> None:
    almost = _at("كوريا", "LOC")
    other = Detected("كوريا الشمالية", 0, 0, "LOC", " ".join(fold_key_words("كوريا الشمالية")))
    complete_spans(PAGE, [[almost, other]])
    assert almost.text == "كوريا", "the next word is الجنوبية, not الشمالية"


def test_names_of_another_article_of_the_page_count() -> None:
    short, full = _at("بيونغ", "LOC"), _at("بيونج يانج", "LOC")
    first, second = complete_spans(PAGE, [[short], [full]])
    assert first == [short] and short.text == "بيونغ يانغ" and second == [full]


def test_a_dictionary_span_is_not_grown() -> None:
    short, full = _at("بيونغ", "LOC", source="dictionary"), _at("بيونج يانج", "LOC")
    complete_spans(PAGE, [[short, full]])
    assert short.text == "بيونغ"


def test_a_listed_place_outvotes_a_consistent_person_reading() -> None:
    """بيونغ يانغ read as a person every time is still the listed city; a listed town named after a
    person (جيف ديفيس in GeoNames) is not taken from the tagger."""
    pyongyang = [_at("بيونغ يانغ", "PER"), _at("بيونج يانج", "PER")]
    [city] = link(pyongyang)
    assert city.type == "LOC"
    text = "جيف ديفيس"
    person = [Detected(text, 0, len(text), "PER", " ".join(fold_key_words(text)), "ner") for _ in range(2)]
    [man] = link(person)
    assert man.type == "PER"
    text = "فان موريسون"  # listed both as a person and as a place: the tagger's reading stands
    singer = [Detected(text, 0, len(text), "PER", " ".join(fold_key_words(text)), "ner") for _ in range(2)]
    [one] = link(singer)
    assert one.type == "PER"


def test_growth_stops_at_a_line_break_and_at_a_whole_word() -> None:
    text = "محادثات في بيونغ\nيانغ اليوم. وقال إن بيونج يانج تدعم موسكو، وزار جامعة الملك سعودية"
    short, full = Detected("بيونغ", 11, 16, "LOC", "بيونغ", "ner"), Detected("بيونج يانج", 0, 0, "LOC", "", "ner")
    full.key = " ".join(fold_key_words("بيونج يانج"))
    short.key = " ".join(fold_key_words("بيونغ"))
    complete_spans(text, [[short, full]])
    assert short.text == "بيونغ", "the next line is another field"
    start = text.index("الملك سعودية")
    king = Detected("الملك", start, start + 5, "ORG", " ".join(fold_key_words("الملك")), "ner")
    name = Detected("الملك سعود", 0, 0, "ORG", " ".join(fold_key_words("الملك سعود")), "ner")
    complete_spans(text, [[king, name]])
    assert king.text == "الملك", "سعودية is not سعود"


def test_a_span_with_a_dictionary_identity_is_not_grown() -> None:
    short, full = _at("بيونغ", "LOC"), _at("بيونج يانج", "LOC")
    short.entity_id = "kb:example"
    complete_spans(PAGE, [[short, full]])
    assert short.text == "بيونغ"


#: From the fixture's "saleh" case (SaudiNewsNet), verbatim.
SALEH = "في ظل الحرب التي تخوضها ميليشيات التمرد الحوثية والمخلوع علي عبدالله صالح بدعم من قوى خارجية"


def _in(text: str, name: str, typ: str = "PER") -> Detected:
    start = text.index(name)
    return Detected(name, start, start + len(name), typ, " ".join(fold_key_words(name)), "ner")


def test_a_first_name_before_a_persons_name_is_taken_in() -> None:
    m = _in(SALEH, "عبدالله صالح")
    [kept] = complete_spans(SALEH, [[m]])
    assert kept == [m] and m.text == "علي عبدالله صالح" and SALEH[m.start : m.end] == m.text


def test_no_left_growth_over_ala_a_title_or_another_mention() -> None:
    text = SALEH.replace("والمخلوع علي", "والمخلوع على")  # على ("on") is not علي
    m = _in(text, "عبدالله صالح")
    complete_spans(text, [[m]])
    assert m.text == "عبدالله صالح"
    place = _in(SALEH, "علي", "LOC")
    m = _in(SALEH, "عبدالله صالح")
    complete_spans(SALEH, [[place, m]])
    assert m.text == "عبدالله صالح", "the word before is another mention"
    org = _in(SALEH, "عبدالله صالح", "ORG")
    complete_spans(SALEH, [[org]])
    assert org.text == "عبدالله صالح", "only a person's name takes in a first name"
