"""Canonical entities on the seed page: types, one entity per real-world thing across spellings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from marsad.entities.canonical import Entity, annotate
from marsad.extract.plaintext import parse_text
from marsad.models import ENTITY_TYPES, Mention
from tests.conftest import DATA, run_cli


@pytest.fixture(scope="module")
def seed_entities(seed_text: str) -> tuple[list[Entity], list[Mention]]:
    page = parse_text(seed_text, "seed")
    entities = annotate(seed_text, page.articles)
    mentions = [m for a in page.articles for m in a.entities or []]
    return entities, mentions


def _by_form(entities: list[Entity], form: str) -> Entity:
    hits = [e for e in entities if any(form in f for f in e.forms)]
    assert hits, f"no entity with a spelling containing {form!r}"
    return max(hits, key=lambda e: len(e.mentions))


@pytest.mark.parametrize(
    ("form", "typ"),
    [
        ("كيم جونج أون", "PER"), ("بوتين", "PER"), ("لافروف", "PER"), ("بلينكن", "PER"), ("زيلينسكى", "PER"),
        ("لامى", "PER"), ("خرازي", "PER"), ("سون هوى", "PER"), ("تشو تاى", "PER"),
        ("كوريا الشمالية", "LOC"), ("روسيا", "LOC"), ("أوكرانيا", "LOC"), ("كورسك", "LOC"), ("موسكو", "LOC"),
        ("سيول", "LOC"), ("واشنطن", "LOC"), ("اليابان", "LOC"), ("إيران", "LOC"), ("لبنان", "LOC"),
        ("البنتاجون", "ORG"), ("البيت الأبيض", "ORG"), ("مجلس الأمن", "ORG"), ("حلف شمال الأطلسى", "ORG"),
        ("إنترفاكس", "ORG"), ("الكرملين", "ORG"),
    ],
)
def test_seed_entity_types(seed_entities: tuple[list[Entity], list[Mention]], form: str, typ: str) -> None:
    assert _by_form(seed_entities[0], form).type == typ


def test_spellings_merge(seed_entities: tuple[list[Entity], list[Mention]]) -> None:
    entities = seed_entities[0]
    putin = _by_form(entities, "فلاديمير بوتين")
    assert {"فلاديمير بوتين", "بوتين", "بوتن"} <= set(putin.forms)
    pyongyang = _by_form(entities, "بيونغ يانغ")
    assert "بيونج يانج" in pyongyang.forms
    # A place, whatever its spelling (a model retrained with ANERcorp's PERS-labelled لبيونج يانج got this wrong).
    assert pyongyang.type == "LOC"
    zelensky = _by_form(entities, "فولوديمير زيلينسكى")
    assert "زيلينسكى" in zelensky.forms
    assert _by_form(entities, "الروسي").id == _by_form(entities, "روسيا").id == "iso3166:RU"
    assert _by_form(entities, "الكورية الشمالية").id == "iso3166:KP"
    # Different things stay apart.
    assert _by_form(entities, "كوريا الجنوبية").id != _by_form(entities, "كوريا الشمالية").id


def test_mention_spans_point_back(seed_entities: tuple[list[Entity], list[Mention]], seed_text: str) -> None:
    for m in seed_entities[1]:
        assert seed_text[m.start : m.end] == m.text
        assert m.type in ENTITY_TYPES


def test_store_links_across_pages(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    first = tmp_path / "a.txt"
    first.write_text("التقى الرئيس الروسي فلاديمير بوتين نظيره الصيني في موسكو أمس لبحث العلاقات الثنائية.\n", encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text("وقال بوتين في مؤتمر صحفي إن المحادثات كانت بناءة ومثمرة للغاية بين البلدين.\n", encoding="utf-8")
    for path in (first, second):
        proc = run_cli("ingest", str(path), "--db", str(db))
        assert proc.returncode == 0, proc.stderr
    rows = json.loads(run_cli("entities", "--db", str(db), "--json", "--type", "PER").stdout)
    putin = [e for e in rows if "بوتين" in e["name"]]
    assert len(putin) == 1 and putin[0]["article_count"] == 2, rows
    detail = json.loads(run_cli("entity", putin[0]["id"], "--db", str(db), "--json").stdout)
    assert {c["name"] for c in detail["cooccurring"]} >= {"روسيا"}
    shown = run_cli("entity", putin[0]["id"], "--db", str(db)).stdout
    assert "articles: 2 with a linked mention" in shown
    listed = [ln for ln in shown.splitlines() if ln.startswith("  ") and "█" not in ln]
    assert len(listed) == 2, shown  # the article list the help promises
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(DISTINCT entity_id) FROM mentions WHERE text LIKE '%بوتين%'").fetchone()[0] == 1


def test_parse_json_has_entities_and_keywords() -> None:
    proc = run_cli("parse", str(DATA / "seed-kim-putin.txt"), "--json")
    data = json.loads(proc.stdout)
    first = data["articles"][0]
    assert {"text", "start", "end", "type", "id", "name"} <= set(first["entities"][0])
    assert [k["text"] for k in first["keywords"]][:5] == first["tags"]
    linked = {k["text"]: k["entity"] for k in first["keywords"]}
    assert linked["روسيا"] == "iso3166:RU"


def test_tag_conll(tmp_path: Path) -> None:
    path = tmp_path / "s.conll"
    path.write_text("التقى O\nفلاديمير B-PERS\nبوتين I-PERS\nفي O\nموسكو B-LOC\n. O\n\nوزير O\n", encoding="utf-8")
    proc = run_cli("tag", "--conll", str(path))
    assert proc.returncode == 0, proc.stderr
    lines = [ln.split() for ln in proc.stdout.splitlines() if ln.strip()]
    assert [ln[0] for ln in lines] == ["التقى", "فلاديمير", "بوتين", "في", "موسكو", ".", "وزير"]
    tags = dict((ln[0], ln[1]) for ln in lines)
    assert tags["بوتين"] == "I-PERS" and tags["موسكو"] == "B-LOC"


def test_stories_carry_top_entities(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert run_cli("ingest", str(DATA / "seed-kim-putin.txt"), "--db", str(db)).returncode == 0
    stories = json.loads(run_cli("stories", "--db", str(db), "--json").stdout)
    assert stories and all("entities" in s and s["size"] == len(s["articles"]) and "article_count" not in s for s in stories)
    names = {e["name"] for s in stories for e in s["entities"]}
    assert "كوريا الشمالية" in names
