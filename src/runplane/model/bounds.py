"""The range of dates and instants Runplane accepts from a client, in filters and parameters.

Python's dates end at 9999-12-31, so an instant near that end overflows the moment it is
moved by an hour or a time zone. Nothing Runplane records is that far out; a value outside
the range is refused, with the range named, before it reaches a computation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
RANGE_TEXT = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def in_range(value: date | datetime) -> bool:
    """Whether a date, or an instant (naive ones read as UTC), falls in the accepted range."""
    if isinstance(value, datetime):
        day = (value.astimezone(UTC) if value.tzinfo is not None else value).date()
    else:
        day = value
    return EARLIEST <= day <= LATEST
