"""Arabic number agreement for counts on pages (issue 17)."""

from __future__ import annotations

import pytest

from marsad.text.numbers import count_phrase


@pytest.mark.parametrize(("n", "noun", "expected"), [
    (1, "خبر", "خبر واحد"), (2, "خبر", "خبران"), (3, "خبر", "3 أخبار"), (10, "خبر", "10 أخبار"),
    (11, "خبر", "11 خبرًا"), (51, "خبر", "51 خبرًا"), (99, "خبر", "99 خبرًا"), (100, "خبر", "100 خبر"),
    (101, "خبر", "101 خبر"), (103, "خبر", "103 أخبار"), (111, "خبر", "111 خبرًا"), (1000, "خبر", "1000 خبر"),
    (0, "خبر", "0 خبر"), (1, "قصة", "قصة واحدة"), (2, "إشارة", "إشارتان"), (9, "مصدر", "9 مصادر"),
    (25, "إشارة", "25 إشارةً"),
])
def test_count_phrase(n: int, noun: str, expected: str) -> None:
    """The noun after each number takes the form the number governs."""
    assert count_phrase(n, noun) == expected
