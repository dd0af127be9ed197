"""Arabic dates: every regional month series, Arabic-Indic digits, relative phrases, Hijri, metadata forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from marsad.extract.dates import find_date, parse_date, parse_date_full

NOW = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 يناير 2019", datetime(2019, 1, 15, tzinfo=UTC)),
        ("3 كانون الثاني 2021", datetime(2021, 1, 3, tzinfo=UTC)),
        ("15 جانفي 2019", datetime(2019, 1, 15, tzinfo=UTC)),
        ("12 جويلية 2022", datetime(2022, 7, 12, tzinfo=UTC)),
        ("السبت 5 شتنبر 2020", datetime(2020, 9, 5, tzinfo=UTC)),
        ("1 تشرين الأول 2019", datetime(2019, 10, 1, tzinfo=UTC)),
        ("9 آب 2020", datetime(2020, 8, 9, tzinfo=UTC)),
        ("٢٤ نيسان / أبريل ٢٠٢٠ ٠٩:٢٢ مساءً", datetime(2020, 4, 24, 21, 22, tzinfo=UTC)),
        ("الإثنين، 24 أغسطس 2020 09:56 ص", datetime(2020, 8, 24, 9, 56, tzinfo=UTC)),
        ("٠٢:٠٠ الثلاثاء ١ / ١٢ / ٢٠٢٠", datetime(2020, 12, 1, 2, 0, tzinfo=UTC)),  # alyaum-1 dateline
        ("24/08/2020", datetime(2020, 8, 24, tzinfo=UTC)),
        ("1 رمضان 1445 هـ", datetime(2024, 3, 11, tzinfo=UTC)),
        ("10 ذو الحجة 1444", datetime(2023, 6, 28, tzinfo=UTC)),
        ("2020-08-24T10:00:00+03:00", datetime(2020, 8, 24, 7, 0, tzinfo=UTC)),
        ("Tue, 21 Jul 2015 02:51:32 +0000", datetime(2015, 7, 21, 2, 51, 32, tzinfo=UTC)),
        ("منذ ساعتين", NOW - timedelta(hours=2)),
        ("منذ 3 أيام", NOW - timedelta(days=3)),
        ("منذ ٥ دقائق", NOW - timedelta(minutes=5)),
        ("قبل يومين", NOW - timedelta(days=2)),
        ("أمس", NOW - timedelta(days=1)),
    ],
)
def test_parse_date(text: str, expected: datetime) -> None:
    assert parse_date(text, now=NOW) == expected


def test_relative_phrase_without_crawl_time_is_not_a_date() -> None:
    assert parse_date("منذ ساعتين") is None


def test_local_zone_is_applied_to_naive_times() -> None:
    cairo = timezone(timedelta(hours=2))
    assert parse_date("24 أغسطس 2020 10:00", tz=cairo) == datetime(2020, 8, 24, 8, 0, tzinfo=UTC)


def test_original_string_and_kind_are_kept() -> None:
    found = parse_date_full("١ رمضان ١٤٤٥ هـ")
    assert found is not None and found.original == "١ رمضان ١٤٤٥ هـ" and found.kind == "hijri"


def test_find_date_span_points_into_original_text() -> None:
    text = "تم نشره الجمعة ٢٤ نيسان / أبريل ٢٠٢٠ ٠٩:٢٢ مساءً\nنص الخبر"
    found = find_date(text, now=NOW)
    assert found is not None and found.span is not None
    assert found.span.slice(text) == found.original == "٢٤ نيسان / أبريل ٢٠٢٠ ٠٩:٢٢ مساءً"


@pytest.mark.parametrize("text", ["", "لا تاريخ هنا", "31 فبراير 2020", "99/99/2020", "صفر"])
def test_not_dates(text: str) -> None:
    assert parse_date(text, now=NOW) is None
