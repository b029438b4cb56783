"""`/dashboard/tiers`: what each tier includes, from the tier table (`tiers.py`), opened from
the tier badge."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from runplane.tiers import Feature, Tier, includes
from runplane.web.errors import DashboardRoute
from runplane.web.templating import render

router = APIRouter(route_class=DashboardRoute)

RUNS = (
    "Pipeline list, manual run",
    "Sync run, result shown at once",
    "Async, queued",
    "Async, queued",
)
ROWS = (
    ("Execution history, detail, logs, retry, cancel", (Feature.HISTORY,)),
    ("Scheduling", (Feature.SCHEDULING,)),
    (
        "SLA breach indicators, cost attribution, resource graphs, baseline comparison",
        (Feature.SLA, Feature.COST, Feature.RESOURCES, Feature.BASELINE),
    ),
)
"""The rows of the product's tier table; each says which features it stands for."""


def comparison() -> list[tuple[str, ...]]:
    """The table: a row per capability, a cell per tier (basic, intermediate, advanced)."""
    rows: list[tuple[str, ...]] = [RUNS]
    for title, features in ROWS:
        cells = []
        for tier in Tier:
            if all(includes(tier, f) for f in features):
                cells.append("Full" if Feature.HISTORY in features else "Yes")
            else:
                cells.append("Locked" if Feature.HISTORY in features else "—")
        rows.append((title, *cells))
    return rows


@router.get("/tiers")
def tiers_page(request: Request) -> Response:
    """The tier comparison, with this deployment's tier marked."""
    return render(request, "tiers.html", title="Tiers", comparison=comparison())
