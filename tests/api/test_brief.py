"""The daily brief (issue 17): the spike score on series with known change points, and a brief
checked against counts computed by SQL in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.observatory.brief import brief
from marsad.observatory.spikes import RISING_SCORE, is_rising, spike_score
from marsad.store import SQLiteStore
from tests.api.live import build_store


@pytest.mark.parametrize(("series", "change"), [
    ([3, 2, 4, 3, 3, 2, 3, 20, 18], 7),      # a jump on day 7
    ([0, 0, 0, 0, 0, 0, 0, 0, 6], 8),        # a new name
    ([10, 12, 9, 11, 10, 30, 31, 29, 30], 5),  # a new level
])
def test_spike_score_finds_the_change_point(series: list[int], change: int) -> None:
    """The first day scoring above the threshold (against the 7 days before it) is the change point."""
    scores = [spike_score(series[i], series[max(0, i - 7) : i]) for i in range(len(series))]
    first = next(i for i, s in enumerate(scores) if s >= RISING_SCORE and i > 0)
    assert first == change


def test_real_series_busy_days_are_not_rises_and_a_real_rise_is_found(shared_dir: Path) -> None:
    """On the 12 shared SaudiNewsNet days (counted here from the files): a word as common as المملكة
    or الرياض follows the day's volume and is never rising once the day totals are used; the same
    real series with its count doubled from day 8 on is rising on day 8."""
    import json
    import zipfile

    totals: list[int] = []
    counts: dict[str, list[int]] = {"المملكة": [], "الرياض": []}
    for z in sorted((shared_dir / "corpora" / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(z) as f:
            arts = json.loads(f.read(f.namelist()[0]))
        totals.append(len(arts))
        for word, series in counts.items():
            series.append(sum(word in f"{a.get('title', '')} {a.get('content', '')}" for a in arts))
    assert len(totals) == 12
    for series in counts.values():
        assert not any(is_rising(series[i], series[i - 7 : i], totals[i - 7 : i], totals[i]) for i in range(7, 12))
        raised = [n * 2 + 10 if i >= 8 else n for i, n in enumerate(series)]
        assert is_rising(raised[8], raised[1:8], totals[1:8], totals[8])


def test_spike_score_is_quiet_on_a_steady_series() -> None:
    """Day-to-day noise around a steady level never crosses the threshold."""
    series = [20, 23, 18, 21, 19, 24, 20, 22, 17, 21, 23, 19]
    assert all(spike_score(series[i], series[max(0, i - 7) : i]) < RISING_SCORE for i in range(3, len(series)))


def test_brief_of_a_day(tmp_path: Path) -> None:
    """The brief names the day, its stories (by that day's articles), and rising entities whose
    counts match SQL over the store."""
    db = build_store(tmp_path)
    with SQLiteStore(db) as store:
        data = brief(store)
        days = [r["day"] for r in store.rows("SELECT DISTINCT day FROM articles WHERE day IS NOT NULL ORDER BY day")]
        assert data["day"] == days[-1] and data["days"] == days
        assert data["stories"] and all(s["day_count"] >= 1 for s in data["stories"])
        assert [s["day_count"] for s in data["stories"]] == sorted((s["day_count"] for s in data["stories"]), reverse=True)
        for r in data["rising"]:
            n = store.rows("SELECT count(DISTINCT a.id) AS n FROM mentions m JOIN articles a ON a.id = m.article_id"
                           " WHERE m.entity_id = :i AND a.day = :d", i=r["id"], d=data["day"])[0]["n"]
            assert r["articles"] == n and r["score"] >= RISING_SCORE
        assert brief(store, "1999-01-01")["day"] == days[-1]


def test_digest_has_day_stories_entities_and_dated_latest(tmp_path: Path) -> None:
    """`marsad digest --json`: the latest day's stories, the most mentioned entities, outlets by name,
    and the latest articles newest first by publication time (checked by SQL here)."""
    import json

    from tests.conftest import run_cli

    db = build_store(tmp_path)
    data = json.loads(run_cli("digest", "--db", str(db), "--json").stdout)
    with SQLiteStore(db) as store:
        last_day = store.rows("SELECT max(day) AS d FROM articles")[0]["d"]
        top = store.rows("SELECT entity_id, count(*) AS n FROM mentions GROUP BY entity_id ORDER BY n DESC LIMIT 1")[0]
    assert data["day"] == last_day and data["stories"]
    assert data["entities"][0]["id"] == top["entity_id"] and data["entities"][0]["mentions"] == top["n"]
    dates = [a["date"] or "" for a in data["latest"]]
    assert dates == sorted(dates, reverse=True)
    assert any(s["name"] == "سبق" for s in data["sources"])
    human = run_cli("digest", "--db", str(db)).stdout
    assert last_day in human and "سبق" in human
