"""`/dashboard/tiers`: what each tier includes (PRODUCT.md's table), opened from the tier badge."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from runplane.web.deps import StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.templating import render

router = APIRouter(route_class=DashboardRoute)

COMPARISON = (
    (
        "Pipeline list, manual run",
        "Sync run, result shown at once",
        "Async, queued",
        "Async, queued",
    ),
    ("Execution history, detail, logs, retry, cancel", "Locked", "Full", "Full"),
    ("Scheduling", "—", "Yes", "Yes"),
    (
        "SLA breach indicators, cost attribution, resource graphs, baseline comparison",
        "—",
        "—",
        "Yes",
    ),
)


@router.get("/tiers")
def tiers_page(request: Request, s: StateDep) -> Response:
    """The tier comparison, with this deployment's tier marked."""
    return render(request, "tiers.html", title="Tiers", comparison=COMPARISON)
