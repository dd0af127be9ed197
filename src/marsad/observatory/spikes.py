"""Spike scores: how far a day's count stands above what the days before lead one to expect."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Days before a brief's day that form its baseline; the score and the ratio above which an
#: entity is rising; the fewest articles that day for it to count; the stories and entities a
#: brief lists. 7 days: a week evens out the weekly rhythm of the press (Friday editions are thin).
#: 3.0: the usual "three standard deviations". Ratio 2: news counts vary more than a Poisson
#: count does (on the shared days the daily share of a word as common as المملكة moves by ±20%,
#: which is 5 standard deviations at 300 articles), so a rise must also double the expected count.
#: 3 articles keeps one-off names out.
BASELINE_DAYS = 7
RISING_SCORE = 3.0
RISING_RATIO = 2.0
RISING_MIN_ARTICLES = 3


def expected_count(before: Sequence[int], before_totals: Sequence[int] | None = None, total: int | None = None) -> float:
    """Return the count expected today from the days before: their mean, or, when the day totals are
    given, today's total times the share the earlier days gave (a busy day is not a rise). One
    article of smoothing keeps a name never seen before finite."""
    if before_totals is not None and total is not None and sum(before_totals) > 0:
        return max((sum(before) + 1) / (sum(before_totals) + 1) * total, 1 / (len(before) + 1))
    return (sum(before) + 1) / (len(before) + 1)


def spike_score(today: int, before: Sequence[int], before_totals: Sequence[int] | None = None,
                total: int | None = None) -> float:
    """Return how far ``today``'s count stands above the expected count, in Poisson standard
    deviations: (today − λ) / √λ with λ from ``expected_count``."""
    rate = expected_count(before, before_totals, total)
    return (today - rate) / math.sqrt(rate)


def is_rising(today: int, before: Sequence[int], before_totals: Sequence[int] | None = None,
              total: int | None = None) -> bool:
    """Return whether a count is a rise: enough articles, ``RISING_SCORE`` deviations and ``RISING_RATIO``
    times the expected count."""
    rate = expected_count(before, before_totals, total)
    return (today >= RISING_MIN_ARTICLES and spike_score(today, before, before_totals, total) >= RISING_SCORE
            and today >= RISING_RATIO * rate)

