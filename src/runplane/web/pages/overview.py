"""`/dashboard`: is the system healthy? Failures against the day before, what is running,
how fresh each tier's data is, and when each schedule runs next (or that it is overdue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request, Response

from runplane.domains.finra_otc import queries as assets
from runplane.domains.finra_otc.stages import PIPELINES, Stage
from runplane.tiers import Feature
from runplane.views.overview import system_overview
from runplane.views.schedules import list_schedule_states
from runplane.web.deps import StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.templating import health_now, render

router = APIRouter(route_class=DashboardRoute)


@dataclass(frozen=True)
class TierWeek:
    """A tier's newest published week; stale when another tier has a newer one."""

    tier: str
    week: date
    rows: int
    stale: bool


@router.get("")
def overview_page(request: Request, s: StateDep) -> Response:
    """The health check, failures in 24 h (vs the 24 h before), running now, latest weeks,
    schedules."""
    now = s.clock()
    health = health_now(s)
    figures = system_overview(s.db, clock=lambda: now) if s.settings.has(Feature.HISTORY) else None
    with s.db.read() as conn:
        weeks = latest_weeks(assets.list_weeks(conn))
    schedules = (
        list_schedule_states(s.db, s.settings, clock=lambda: now)
        if s.settings.has(Feature.SCHEDULING)
        else []
    )
    return render(
        request, "overview.html", title="Overview", nav="overview", health=health, now=now,
        figures=figures, weeks=weeks, ingest=PIPELINES[Stage.INGEST], schedules=schedules,
        overdue=sum(st.overdue for st in schedules),
    )  # fmt: skip


def latest_weeks(weeks: list[assets.WeekSummary]) -> list[TierWeek]:
    """The newest week of each tier, flagged stale when older than the newest of any tier."""
    latest: dict[str, assets.WeekSummary] = {}
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
