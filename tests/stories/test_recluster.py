"""The re-clustering pass's average linkage (``marsad.stories.recluster``) on hand-made score graphs."""

from __future__ import annotations

from itertools import combinations

from marsad.stories.recluster import LOGIT_CAP, NEGATIVE_LOGIT_CAP, average_link, logit, story_ids


def _groups(label: dict[int, int]) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for node, g in label.items():
        out.setdefault(g, set()).add(node)
    return {frozenset(v) for v in out.values()}


def test_one_strong_pair_does_not_chain_two_templates() -> None:
    # Two groups of three (one event each), one look-alike pair across them scored high (below the
    # groups' own pairs: greedy linkage joins the strongest pair first), the other cross pairs low:
    # single linkage would join the groups, average linkage must not.
    a, b = (1, 2, 3), (4, 5, 6)
    edges = [(x, y, 0.95) for x, y in combinations(a, 2)] + [(x, y, 0.9) for x, y in combinations(b, 2)]
    edges += [(3, 4, 0.93)] + [(x, y, 0.05) for x in a for y in b if (x, y) != (3, 4)]
    label = average_link({n: -n for n in (*a, *b)}, edges)
    assert _groups(label) == {frozenset(a), frozenset(b)}


def test_reports_linked_by_many_moderate_pairs_merge() -> None:
    nodes = (1, 2, 3, 4)
    edges = [(x, y, 0.7) for x, y in combinations(nodes, 2)]
    assert _groups(average_link({n: -n for n in nodes}, edges)) == {frozenset(nodes)}


def test_unscored_pairs_are_no_evidence_and_anchors_absorb() -> None:
    # 1 and 2 are an older story (anchor 100); 3 was scored only against 2.
    label = average_link({1: 100, 2: 100, 3: -3}, [(1, 2, 0.9), (2, 3, 0.8)])
    assert label[3] == label[1] == label[2]
    # A pair below the threshold leaves the newcomer alone.
    label = average_link({1: 100, 2: 100, 3: -3}, [(1, 2, 0.9), (2, 3, 0.55)])
    assert label[3] != label[1]


def test_logit_is_bounded_and_total() -> None:
    assert logit(1.0) == LOGIT_CAP and logit(0.0) == -NEGATIVE_LOGIT_CAP and abs(logit(0.5)) < 1e-12
    assert logit(float("inf")) == LOGIT_CAP
    # A weak pair counts against a merge less than a strong pair counts for it.
    assert NEGATIVE_LOGIT_CAP < LOGIT_CAP


def test_story_ids_keep_the_majority_id_once() -> None:
    current = {1: 10, 2: 10, 3: 10, 4: 11, 5: 10}
    ids = story_ids({-1: [1, 2, 3], -5: [5], -4: [4]}, current)
    assert ids[-1] == 10  # the biggest group keeps the id most of its members had
    assert ids[-4] == 11
    assert ids[-5] is None  # 10 is taken: the split-off member needs a new story


def test_next_issue_of_a_bulletin_but_not_a_follow_up_naming_a_rare_entity() -> None:
    """The same headline a day later over another body is a recurring item's next issue, unless both
    headlines name an entity that is rare in the window (the same transfer or wedding told twice)."""
    from datetime import UTC, datetime

    import numpy as np

    from marsad.stories.cluster import earlier_issue
    from marsad.stories.features import StoryArticle, title_terms

    def art(i: int, day: int, title: str, ents: set[str]) -> StoryArticle:
        return StoryArticle(i, datetime(2015, 7, day, 9, tzinfo=UTC), title, "x", np.zeros(4, np.float32), set(),
                            title_terms(title), ents, None, ents)

    weather = [art(1, 21, "الأرصاد: طقس شديد الحرارة على شرق ووسط المملكة", {"iso3166:SA"}),
               art(2, 22, "الأرصاد: طقس شديد الحرارة على شرق ووسط المملكة", {"iso3166:SA"})]
    transfer = [art(3, 23, "بايرن ميونيخ يتوصل لاتفاق لضم فيدال من يوفنتوس", {"org:bayern", "per:vidal"}),
                art(4, 24, "بايرن ميونيخ يتوصل لاتفاق لضم فيدال من يوفنتوس", {"org:bayern", "per:vidal"})]
    assert earlier_issue(weather[1], weather[0])
    assert earlier_issue(transfer[1], transfer[0])  # no rarity known: the headline rule alone
    assert not earlier_issue(transfer[1], transfer[0], frozenset({"per:vidal"}))
    assert earlier_issue(weather[1], weather[0], frozenset({"per:vidal"}))  # a rare entity not in both headlines
    assert not earlier_issue(weather[0], weather[1])  # only an earlier day's issue
