"""The re-clustering pass's average linkage (``marsad.stories.recluster``) on hand-made score graphs."""

from __future__ import annotations

from itertools import combinations

from marsad.stories.recluster import APART, LOGIT_CAP, NEGATIVE_LOGIT_CAP, average_link, logit, story_ids


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


def test_two_issues_of_a_bulletin_never_merge_whatever_the_other_pairs() -> None:
    # Day one's bulletin (1, 2 from two outlets) and day two's (3, 4): the two issues of one outlet
    # (1 and 3) were recorded apart, every other cross pair scores high. As one weak pair in the
    # mean, the apart pair is outvoted; as a cannot-link, it holds both groups apart.
    edges = [(1, 2, 0.99), (3, 4, 0.99), (1, 3, APART), (1, 4, 0.95), (2, 3, 0.95), (2, 4, 0.95)]
    start = {n: -n for n in (1, 2, 3, 4)}
    assert _groups(average_link(start, edges, cannot_link=False)) == {frozenset((1, 2, 3, 4))}
    assert _groups(average_link(start, edges)) == {frozenset((1, 2)), frozenset((3, 4))}
    # The bond holds for the groups a merge makes: 4 may join day one's group or day two's, never both.
    label = average_link({1: 100, 2: 100, 3: -3, 4: -4}, edges)
    assert label[1] != label[3]


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


def test_an_older_member_keeps_its_story_when_a_recent_one_splits_off() -> None:
    # Story 10 holds an older article (8683, an anchor of the window) and a recent one (10465) that
    # re-clustering puts apart: groups of one each. The recent one's label sorts first, and by size
    # alone it took story 10 and sent the anchor to a new story; the anchor must keep it.
    current = {8683: 10, 10465: 10}
    groups = {-10465: [10465], 10: [8683]}
    assert story_ids(groups, current) == {-10465: 10, 10: None}  # without anchors: by size, then label
    assert story_ids(groups, current, anchors={8683}) == {10: 10, -10465: None}


def test_next_issue_of_a_forecast_bulletin_but_not_a_next_day_print_edition() -> None:
    """A forecast bulletin of an earlier day is another issue; the same headline of an event printed a
    day later (the wire story in the next morning's paper, body rewritten) is not."""
    from datetime import UTC, datetime

    import numpy as np

    from marsad.stories.cluster import earlier_issue
    from marsad.stories.features import StoryArticle, is_bulletin, title_terms

    def art(i: int, day: int, title: str) -> StoryArticle:
        return StoryArticle(i, datetime(2015, 7, day, 9, tzinfo=UTC), title, "x", np.zeros(4, np.float32), set(),
                            title_terms(title), set(), None, set())

    # Real headlines of SaudiNewsNet 2015-07-22/23 (aleqtisadiya, sabq) and 2015-07-25/26 (sabq, almadina).
    weather = [art(1, 22, "طقس شديد الحرارة على شرق ووسط المملكة"),
               art(2, 23, '"الأرصاد": طقس حار على شرق ووسط المملكة ومعتدل على المصائف')]
    departure = [art(3, 25, "خادم الحرمين يغادر جدة إلى خارج المملكة في إجازة خاصة"),
                 art(4, 26, "خادم الحرمين يغادر جدة متوجهًا إلى خارج المملكة في إجازة خاصة")]
    assert earlier_issue(weather[1], weather[0])
    assert not earlier_issue(weather[0], weather[1])  # only an earlier day's issue
    assert not earlier_issue(departure[1], departure[0])
    assert not earlier_issue(art(5, 22, weather[1].title or ""), weather[0])  # the same day: not another issue
    # The agency's name alone is no bulletin: news about it is an event like any other.
    assert not is_bulletin("الأرصاد تغرم 30 منشأة صناعية مخالفة للبيئة")
    assert is_bulletin("سماء غائمة جزئياً إلى غائمة على معظم مناطق المملكة")
    assert is_bulletin("تدني الرؤية الأفقية بسبب الأتربة المثارة بشمال ووسط المملكة")
