"""A schedule's timetable: a cron expression read in a time zone, as UTC instants.

Daylight saving follows Debian cron (through cronsim): when the clock springs forward, a
time that does not exist that day fires right after the jump (`30 2 * * *` fires at
03:00); when it falls back, each wall-clock time fires once, on its first occurrence.
A schedule meant to fire every elapsed hour through the night uses `UTC`.
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from cronsim import CronSim, CronSimError

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
CRON_HELP = (
    "a cron expression has five fields: minute hour day-of-month month day-of-week, "
    "e.g. '0 6 * * 2' (Tuesdays at 06:00); or @hourly, @daily, @weekly, @monthly"
)
MAX_LENGTH = 200
FIELD_VALUES = {
    "minute": "0-59",
    "hour": "0-23",
    "day-of-month": "1-31 or L, on a day the months have",
    "month": "1-12 or jan-dec",
    "day-of-week": "0-7 or sun-sat, 0 and 7 being Sunday",
}


class TimetableError(ValueError):
    """A cron expression or time zone that cannot be used; the message says why."""


class Timetable:
    """Instants of `cron` in `timezone`, as timezone-aware UTC datetimes.

    Timetable("0 6 * * 2", "America/New_York").next_after(now)  # next Tuesday 06:00 New York
    """

    def __init__(self, cron: str, timezone: str) -> None:
        self.cron = parse_cron(cron)
        self.zone = parse_timezone(timezone)

    def after(self, instant: datetime) -> Iterator[datetime]:
        """Instants strictly after `instant`, oldest first (endless for most expressions)."""
        for local in CronSim(self.cron, instant.astimezone(self.zone)):
            if not local.fold:  # a fall-back repeat of a wall-clock time already fired
                yield local.astimezone(UTC)

    def until(self, instant: datetime) -> Iterator[datetime]:
        """Instants at or before `instant`, newest first."""
        start = instant.replace(microsecond=0) + timedelta(seconds=1)
        for local in CronSim(self.cron, start.astimezone(self.zone), reverse=True):
            if not local.fold:
                yield local.astimezone(UTC)

    def next_after(self, instant: datetime) -> datetime | None:
        return next(self.after(instant), None)

    def last_at_or_before(self, instant: datetime) -> datetime | None:
        return next(self.until(instant), None)

    def local(self, instant: datetime) -> datetime:
        """The instant on the schedule's wall clock."""
        return instant.astimezone(self.zone)

    def describe(self) -> str:
        """In words, e.g. "At 06:00 on Tuesday"."""
        try:
            return CronSim(self.cron, datetime.now(UTC)).explain()
        except Exception:  # the explanation is a nicety; the expression itself is valid
            return self.cron


@lru_cache(maxsize=256)
def timetable(cron: str, timezone: str) -> Timetable:
    """A cached `Timetable` (the scheduler asks for every schedule on every tick)."""
    return Timetable(cron, timezone)


def parse_cron(expression: str) -> str:
    """The expression with nicknames expanded and spaces normalised; raises TimetableError."""
    text = " ".join(expression.split())
    text = NICKNAMES.get(text.lower(), text)
    fields = text.split(" ") if text else []
    shown = expression.strip()[:100]
    if len(text) > MAX_LENGTH:
        raise TimetableError(f"{shown!r}... is longer than {MAX_LENGTH} characters")
    if len(fields) != 5:
        found = f"{len(fields)} field{'s' if len(fields) != 1 else ''}"
        raise TimetableError(f"{shown!r} has {found}; {CRON_HELP}")
    try:
        probe = CronSim(text, datetime(2000, 1, 1, tzinfo=UTC))
        next(probe)
    except CronSimError as exc:
        field = str(exc).lower().removeprefix("bad ")
        if field in FIELD_VALUES:
            raise TimetableError(
                f"{shown!r} is not a valid cron expression: its {field} field takes "
                f"{FIELD_VALUES[field]}; as a value, a list (1,15), a range (1-5) or a step (*/10)"
            ) from None
        raise TimetableError(f"{shown!r} is not a valid cron expression; {CRON_HELP}") from None
    except StopIteration:
        raise TimetableError(f"{shown!r} never fires; {CRON_HELP}") from None
    except Exception:  # cronsim rejects some malformed input with plain Python errors
        raise TimetableError(f"{shown!r} is not a valid cron expression; {CRON_HELP}") from None
    return text


def parse_timezone(name: str) -> tzinfo:
    """An IANA time zone; raises TimetableError with the closest names for a typo."""
    if name in ("UTC", "Etc/UTC"):
        return UTC
    if name in _zone_names():
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    shown = name[:64]
    by_lower = {n.lower(): n for n in _zone_names()}
    close = [by_lower[name.lower()]] if name.lower() in by_lower else []
    close = close or difflib.get_close_matches(name, sorted(_zone_names()), n=2, cutoff=0.8)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise TimetableError(
        f"unknown time zone {shown!r}{hint}; use an IANA name such as UTC or America/New_York"
    )


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
