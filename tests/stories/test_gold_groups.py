"""The judged story groups on real articles (issue 13): every gold event lands in one story (at most
10% stragglers) and every template instance stays apart from the other instances of its kind.

The articles of all 54 groups (tests/data/stories/groups.json: weddings, condolences,
congratulation cables, weather bulletins of different days, soldiers' deaths, arrests, matches of
one team, one organisation on different subjects; and 9 multi-outlet events) are read from the
shared SaudiNewsNet zips and ingested day by day, as a crawl would bring them, into one store.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import Store, open_store
from marsad.stories.evaluate import GoldGroup, load_groups

GOLD = Path(__file__).resolve().parents[1] / "data" / "stories"
GROUPS = load_groups(GOLD / "groups.json")
#: Share of an event's articles that must sit in its largest story (the issue's allowance).
EVENT_SHARE = 0.9


@pytest.fixture(scope="module")
def stories(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """Story id by URL for every gold-group article, ingested one crawl day at a time."""
    wanted = {u for g in GROUPS for u in (*g.urls, *g.borderline)}
    folder = tmp_path_factory.mktemp("gold")
    store: Store = open_store(str(folder / "gold.db"))
    days = sorted(shared_dir.joinpath("corpora", "saudinewsnet").glob("*.zip"))
    for zpath in days:
        with zipfile.ZipFile(zpath) as zf:
            records = [r for r in json.loads(zf.read(zf.namelist()[0])) if r["url"] in wanted]
        if records:
            path = folder / f"{zpath.stem}.json"
            path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
            ingest_paths([str(path)], store, load_settings())
    ids = {r.url: r.id for r in store.articles() if r.url}
    story = store.story_of(list(ids.values()))
    store.close()
    yield {u: story[i] for u, i in ids.items() if i in story}


#: Gold groups today's clustering does not yet get right (issue 13 stays open for them). Strict: a
#: fix makes the test pass unexpectedly, and then it must be moved out of this list. In this store
#: (only the groups' own ~400 articles, so that each day's window is dense with look-alikes) the
#: harassment arrests of Jeddah and Taif and two families' condolences merge since story version 4
#: (the weddings stay apart since weak pairs count at most -3 in the re-clustering mean; the weather
#: bulletins of different days since version 7, whose bulletins of earlier days are cannot-links);
#: on the full days (``bench/stories.py --cv``) merged template instances fell from 12 to 4.
KNOWN_GAPS = {
    "E_h_binladen_crash", "E_h_duma_arson", "E_h_anad_base", "E_h_mh370_debris", "E_h_mullah_omar",
    "E_d_suruc_bombing", "E_d_maliki_remarks", "congratulation", "condolence",
}


def _gap(value: str) -> object:
    if value in KNOWN_GAPS:
        return pytest.param(value, marks=pytest.mark.xfail(strict=True, reason="issue 13: not yet clustered right"))
    return value


def _ids(kind: str) -> list[object]:
    return [_gap(g.group_id) for g in GROUPS if g.kind == kind]


def _group(group_id: str) -> GoldGroup:
    return next(g for g in GROUPS if g.group_id == group_id)


@pytest.mark.parametrize("group_id", _ids("event"))
def test_event_lands_in_one_story(group_id: str, stories: dict[str, int]) -> None:
    group = _group(group_id)
    sids = [stories[u] for u in group.urls if u in stories]
    assert len(sids) >= 0.95 * len(group.urls)  # the gold's articles are all in the corpus
    main, count = Counter(sids).most_common(1)[0]
    assert count / len(sids) >= EVENT_SHARE, f"{group_id}: {count}/{len(sids)} in story {main}"


@pytest.mark.parametrize("family", [_gap(f) for f in sorted({g.family for g in GROUPS if g.kind == "template"})])
def test_template_instances_stay_apart(family: str, stories: dict[str, int]) -> None:
    """No story holds articles of two instances of one template kind (two weddings, two countries' cables...)."""
    instances = [g for g in GROUPS if g.kind == "template" and g.family == family]
    assert len(instances) >= 2
    owner: dict[int, str] = {}
    for g in instances:
        for u in g.urls:
            sid = stories.get(u)
            if sid is None:
                continue
            assert owner.setdefault(sid, g.group_id) == g.group_id, (
                f"{family}: story {sid} holds {owner[sid]} and {g.group_id}"
            )
