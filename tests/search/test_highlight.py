"""Snippet highlighting reads a result's body only as far as its snippet can show."""

from __future__ import annotations

import json
import random
from pathlib import Path

from marsad.search import parse_query
from marsad.search.engine import SNIPPET_CHARS, highlight, snippet

CASES = Path(__file__).resolve().parents[1] / "data" / "entities" / "cases.json"


def test_bounded_highlight_gives_the_same_snippets_on_real_articles() -> None:
    """For words drawn from anywhere in 95 real articles (often deep in the text, often several
    times), the bounded highlight makes the same snippet as highlighting the whole body."""
    arts = json.loads(CASES.read_text(encoding="utf-8"))["articles"]
    rng = random.Random(7)
    checked = deep = 0
    for art in arts:
        body = art["content"]
        words = [w for w in body.split() if len(w) > 3]
        if len(words) < 10:
            continue
        for _ in range(3):
            q = parse_query(" ".join(rng.sample(words, 2)))
            clauses = q.clauses()
            full = highlight(body, clauses)
            bounded = highlight(body, clauses, within=SNIPPET_CHARS)
            assert bounded == full[: len(bounded)]
            assert snippet(body, bounded) == snippet(body, full)
            checked += 1
            deep += bool(full) and full[-1][0] > full[0][0] + SNIPPET_CHARS
    assert checked > 200 and deep > 50  # the bound cut something in many of them


def test_no_match_reads_to_the_end_and_finds_nothing() -> None:
    """A query whose words are absent gives no spans and the opening snippet."""
    body = "هطلت أمطار غزيرة على منطقة عسير صباح اليوم " * 20
    clauses = parse_query("البرلمان الأوروبي").clauses()
    assert highlight(body, clauses, within=SNIPPET_CHARS) == []
    assert snippet(body, [])["start"] == 0
