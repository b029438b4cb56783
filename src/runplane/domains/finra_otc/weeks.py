"""FINRA's week dates: a weekly file is dated by the Monday of its week (`lastUpdateDate`).

`last_week_ending` is the domain's schedule template `{{ last_week_ending }}`.
"""

from __future__ import annotations

from datetime import date, timedelta


def last_week_ending(day: date) -> date:
    """The Monday of the week before `day`'s week: FINRA's week date (its lastUpdateDate)
    of the latest week it can have published. On 2025-12-31 it is 2025-12-22."""
    return day - timedelta(days=day.weekday() + 7)
