"""How the domain's figures read in summaries: `87.2M shares`, `+12.5%`."""

from __future__ import annotations

_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def shares(value: float) -> str:
    """A share volume in short form: 87_187_546 -> "87.2M", 950 -> "950"."""
    for size, unit in _UNITS:
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:,.0f}"


def percent(fraction: float) -> str:
    """A signed change: 0.125 -> "+12.5%"."""
    return f"{fraction * 100:+.1f}%"


def plural(count: int, noun: str) -> str:
    """`1 row`, `2 rows`, with thousands separators."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
