"""The accepted range of dates and instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from runplane.model.bounds import in_range


def test_the_ends_of_the_range_are_inside_and_the_days_beyond_outside() -> None:
    assert in_range(date(1900, 1, 1))
    assert in_range(date(2999, 12, 31))
    assert not in_range(date(1899, 12, 31))
    assert not in_range(date(9999, 12, 31))


def test_an_instant_is_judged_by_its_utc_day() -> None:
    ahead = timezone(timedelta(hours=5))
    assert not in_range(datetime(3000, 1, 1, 6, 0, tzinfo=ahead))  # 3000-01-01 01:00 UTC
    assert in_range(datetime(3000, 1, 1, 2, 0, tzinfo=ahead))  # 2999-12-31 21:00 UTC
    assert in_range(datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
