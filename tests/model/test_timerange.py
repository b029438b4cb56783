"""Named time ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runplane.model.timerange import resolve_range

NOW = datetime(2025, 12, 22, 10, 30, tzinfo=UTC)


def test_ranges_count_back_from_now_and_today_starts_at_utc_midnight() -> None:
    assert resolve_range("1h", NOW) == (NOW - timedelta(hours=1), None)
    assert resolve_range("30d", NOW) == (NOW - timedelta(days=30), None)
    assert resolve_range("today", NOW) == (datetime(2025, 12, 22, tzinfo=UTC), None)


def test_unknown_range_names_the_choices() -> None:
    with pytest.raises(ValueError, match="use one of 1h, 24h, 7d, 30d, today"):
        resolve_range("2w", NOW)
