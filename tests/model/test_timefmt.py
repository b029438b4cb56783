"""Durations and relative times as the list shows them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runplane.model.timefmt import ago, duration, ordinal, relative_day

NOW = datetime(2025, 12, 22, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (0.42, "0.4s"), (45, "45s"), (82, "1m 22s"), (3600 + 180, "1h 03m")],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("at", "text"),
    [
        (datetime(2025, 12, 22, 8, 15, tzinfo=UTC), "08:15 today"),
        (datetime(2025, 12, 21, 17, 30, tzinfo=UTC), "yesterday 17:30"),
        (datetime(2025, 12, 18, 9, 0, tzinfo=UTC), "Thu 18 Dec 09:00"),
        (datetime(2025, 11, 2, 9, 0, tzinfo=UTC), "2025-11-02 09:00"),
        (datetime(2025, 12, 23, 6, 0, tzinfo=UTC), "tomorrow 06:00"),
        (datetime(2025, 12, 26, 6, 0, tzinfo=UTC), "Fri 26 Dec 06:00"),
        (datetime(2026, 1, 5, 6, 0, tzinfo=UTC), "2026-01-05 06:00"),
    ],
)
def test_relative_day(at: datetime, text: str) -> None:
    assert relative_day(at, NOW) == text


def test_ago() -> None:
    assert [ago(12), ago(190), ago(7300), ago(-3)] == ["12s", "3m", "2h", "0s"]


def test_ordinal() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd",
    ]  # fmt: skip
