"""Human-readable times, durations and ordinals for tables and pages; times always UTC."""

from __future__ import annotations

from datetime import datetime, timedelta


def duration(seconds: float | None) -> str:
    """`0.4s`, `45s`, `1m 22s`, `2h 03m`; an em dash when unknown."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def relative_day(at: datetime, now: datetime) -> str:
    """`08:15 today`, `yesterday 17:30`, `tomorrow 06:00`, `Mon 24 Nov 09:00` (within six
    days either way, e.g. a schedule's next run), or `2024-11-24 09:00` (UTC)."""
    day = at.date()
    today = now.date()
    if day == today:
        return f"{at:%H:%M} today"
    if day == today - timedelta(days=1):
        return f"yesterday {at:%H:%M}"
    if day == today + timedelta(days=1):
        return f"tomorrow {at:%H:%M}"
    if abs(now - at) < timedelta(days=6):
        return f"{at:%a %d %b %H:%M}"
    return f"{at:%Y-%m-%d %H:%M}"


def absolute(at: datetime | None) -> str:
    """`2025-12-22 08:10:15 UTC`."""
    return "—" if at is None else f"{at:%Y-%m-%d %H:%M:%S} UTC"


def ago(seconds: float) -> str:
    """`12s`, `3m`, `2h`, `4d`: compact elapsed time for "queued 12s"."""
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def ordinal(n: int) -> str:
    """`1st`, `2nd`, `3rd`, `11th`, `22nd`."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"
