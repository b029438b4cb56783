"""Timetables: cron read on a time zone's wall clock, across daylight-saving changes, and
the messages for expressions and zones that cannot be used."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from runplane.engine.scheduling.timetable import (
    Timetable,
    TimetableError,
    parse_cron,
    parse_timezone,
)

NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_weekly_in_new_york_is_its_wall_clock_in_winter_and_summer() -> None:
    table = Timetable("0 6 * * 2", "America/New_York")
    assert table.next_after(utc(2025, 12, 29)) == utc(2025, 12, 30, 11)  # EST, UTC-5
    assert table.next_after(utc(2026, 6, 29)) == utc(2026, 6, 30, 10)  # EDT, UTC-4


def test_spring_forward_skipped_hour_daily_time_fires_right_after_the_jump() -> None:
    table = Timetable("30 2 * * *", "America/New_York")
    got = list(islice(table.after(utc(2026, 3, 7, 0)), 3))
    assert got == [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)]


def test_spring_forward_half_hourly_has_no_instant_in_the_missing_hour() -> None:
    table = Timetable("*/30 * * * *", "America/New_York")
    got = [
        t.astimezone(NEW_YORK).strftime("%H:%M") for t in islice(table.after(utc(2026, 3, 8, 5)), 5)
    ]
    assert got == ["00:30", "01:00", "01:30", "03:00", "03:30"]


def test_fall_back_each_wall_clock_time_occurs_once() -> None:
    table = Timetable("*/30 * * * *", "America/New_York")
    got = list(islice(table.after(utc(2026, 11, 1, 4)), 6))  # from 00:00 EDT
    wall = [t.astimezone(NEW_YORK).strftime("%H:%M %Z") for t in got]
    assert wall == ["00:30 EDT", "01:00 EDT", "01:30 EDT", "02:00 EST", "02:30 EST", "03:00 EST"]
    assert len({w[:5] for w in wall}) == len(wall)


def test_until_walks_the_same_instants_backwards_across_both_changes() -> None:
    for cron, start, end in [
        ("*/30 * * * *", utc(2026, 11, 1, 3), utc(2026, 11, 1, 9)),
        ("30 2 * * *", utc(2026, 3, 6), utc(2026, 3, 10)),
        ("30 1 * * *", utc(2026, 10, 30), utc(2026, 11, 3)),
    ]:
        table = Timetable(cron, "America/New_York")
        forward = [t for t in islice(table.after(start), 50) if t <= end]
        backward = [t for t in islice(table.until(end), 50) if t > start]
        assert backward == list(reversed(forward)), cron


def test_until_includes_an_instant_exactly_at_the_moment() -> None:
    table = Timetable("0 * * * *", "UTC")
    assert table.last_at_or_before(utc(2025, 12, 22, 8)) == utc(2025, 12, 22, 8)
    assert table.next_after(utc(2025, 12, 22, 8)) == utc(2025, 12, 22, 9)


def test_nicknames_and_spacing_are_normalised() -> None:
    assert parse_cron("@daily") == "0 0 * * *"
    assert parse_cron("  0   6 * *   2 ") == "0 6 * * 2"
    assert parse_cron("@Hourly") == "0 * * * *"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", "its minute field takes 0-59"),
        ("0 24 * * *", "its hour field takes 0-23"),
        ("0 0 30 2 *", "its day-of-month field takes 1-31"),
        ("0 0 * 13 *", "its month field takes 1-12"),
        ("0 0 * * 8", "its day-of-week field takes 0-7"),
        ("* * *", "has 3 fields; a cron expression has five fields"),
        ("* * * * * *", "has 6 fields"),
        ("", "has 0 fields"),
        ("every day", "has 2 fields"),
        ("@reboot", "has 1 field;"),
        (",".join(["0"] * 120) + " * * * *", "is longer than 200 characters"),
    ],
)
def test_a_bad_expression_says_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(TimetableError, match=message):
        parse_cron(expression)


def test_an_unknown_time_zone_suggests_the_closest_names() -> None:
    with pytest.raises(TimetableError, match=r"did you mean America/New_York\?"):
        parse_timezone("America/New_Yrok")
    with pytest.raises(TimetableError, match=r"'utc' \(did you mean UTC\?\)"):
        parse_timezone("utc")
    for name in ("Mars/Olympus", "America", "../etc/passwd", "/etc/localtime", "a\x00b", ""):
        with pytest.raises(TimetableError, match="use an IANA name"):
            parse_timezone(name)


def test_describe_says_it_in_words() -> None:
    assert Timetable("0 6 * * 2", "UTC").describe() == "At 06:00 on Tuesday"
