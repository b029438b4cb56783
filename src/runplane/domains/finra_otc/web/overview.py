"""The Overview's "Latest data per tier" card: each tier's newest published week, flagged
stale when another tier has a newer one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from runplane.domains.finra_otc import queries
from runplane.domains.finra_otc.stages import PIPELINES, Stage
from runplane.web.deps import State
from runplane.web.parts import Card


@dataclass(frozen=True)
class TierWeek:
    """A tier's newest published week; stale when another tier has a newer one."""

    tier: str
    week: date
    rows: int
    stale: bool


def latest_weeks_card(s: State) -> Card:
    """The card, with a link to run the ingest while no week is published."""
    with s.db.read() as conn:
        weeks = latest_weeks(queries.list_weeks(conn))
    return Card("finra_otc/_latest_weeks.html", {"weeks": weeks, "ingest": PIPELINES[Stage.INGEST]})


def latest_weeks(weeks: list[queries.WeekSummary]) -> list[TierWeek]:
    """The newest week of each tier, flagged stale when older than the newest of any tier."""
    latest: dict[str, queries.WeekSummary] = {}
    for week in weeks:
        if week.tier not in latest or week.week_ending > latest[week.tier].week_ending:
            latest[week.tier] = week
    if not latest:
        return []
    newest = max(w.week_ending for w in latest.values())
    return [
        TierWeek(w.tier, w.week_ending, w.rows, w.week_ending < newest)
        for w in sorted(latest.values(), key=lambda w: w.tier)
    ]
