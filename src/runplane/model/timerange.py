"""Named time ranges of the executions list (`1h`, `24h`, `7d`, `30d`, `today`), in UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

RANGES: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "today": None,
}
DEFAULT_RANGE = "24h"
LABELS = {
    "1h": "the last hour",
    "24h": "the last 24 h",
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "today": "today (UTC)",
}
"""Each range in a sentence ("no executions in the last 24 h")."""
TITLES = {
    name: (text := label.removeprefix("the "))[0].upper() + text[1:]
    for name, label in LABELS.items()
}
"""Each range as a menu option ("Last 24 h")."""


def resolve_range(name: str, now: datetime) -> tuple[datetime, datetime | None]:
    """`(since, until)` for a named range; `today` starts at 00:00 UTC. Raises ValueError."""
    if name not in RANGES:
        raise ValueError(f"unknown range {name!r}; use one of {', '.join(RANGES)}")
    span = RANGES[name]
    if span is None:
        return now.replace(hour=0, minute=0, second=0, microsecond=0), None
    return now - span, None
