"""`/dashboard`: is the system healthy? Failures against the day before, what is running,
the data domains' cards (how fresh their data is), the live workers (and the broker's
queues), and when each schedule runs next (or that it is overdue)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from runplane.tiers import Feature
from runplane.views.overview import system_overview
from runplane.views.schedules import list_schedule_states
from runplane.views.sla import list_recent_misses
from runplane.views.workers import workers_report
from runplane.web.deps import StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.templating import health_now, render, render_card

router = APIRouter(route_class=DashboardRoute)


@router.get("")
def overview_page(request: Request, s: StateDep) -> Response:
    """The health check, failures in 24 h (vs the 24 h before), running now, the domains'
    cards, the workers, schedules, and (advanced tier) scheduled instants that missed
    their SLA."""
    now = s.clock()
    health = health_now(s)
    figures = system_overview(s.db, clock=lambda: now) if s.settings.has(Feature.HISTORY) else None
    cards = [render_card(s, card) for make in s.parts.cards if (card := make(s)) is not None]
    schedules = (
        list_schedule_states(s.db, s.settings, clock=lambda: now)
        if s.settings.has(Feature.SCHEDULING)
        else []
    )
    misses = list_recent_misses(s.db, clock=lambda: now) if s.settings.has(Feature.SLA) else None
    return render(
        request, "overview.html", title="Overview", nav="overview", health=health, now=now,
        figures=figures, cards=cards, schedules=schedules,
        overdue=sum(st.overdue for st in schedules), sla_misses=misses,
        workers=workers_report(s.db, s.settings, clock=lambda: now),
        on_celery=s.settings.executor == "celery",
    )  # fmt: skip
