"""`/dashboard/logs/search`: search across every log from the Executions page's box; each
hit links to its line in the execution's Logs tab (`?tab=logs&line=N`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from runplane.model import LOG_LEVELS, ExecutionStatus
from runplane.model.timerange import TITLES
from runplane.tiers import Feature
from runplane.views import log_search as views
from runplane.views.list_query import ListingError
from runplane.web.deps import StateDep, requires
from runplane.web.errors import DashboardRoute
from runplane.web.templating import render

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])


@router.get("/logs/search")
def log_search_page(request: Request, s: StateDep) -> Response:
    """Executions whose logs match the query, newest first, with their matching lines."""
    q = request.query_params
    choices = {
        "ranges": list(TITLES.items()),
        "statuses": [str(v) for v in ExecutionStatus],
        "levels": [v.lower() for v in LOG_LEVELS],
    }
    values = {k: q.get(k, "") for k in ("q", "range", "status", "level")}
    try:
        search = views.parse_search(
            q=q.get("q"), status=q.getlist("status"), pipeline=q.getlist("pipeline"),
            range=q.get("range"), level=q.getlist("level"), cursor=q.get("cursor"),
            limit=q.get("limit"),
        )  # fmt: skip
    except ListingError as exc:
        return render(
            request, "log_search.html", title="Search logs", nav="executions", status=400,
            error=exc, page=None, values=values, choices=choices,
        )  # fmt: skip
    page = views.search_logs(s.db, search, clock=s.clock)
    return render(
        request, "log_search.html", title=f"Search logs: {search.text[:60]}", nav="executions",
        error=None, page=page, values=values, choices=choices,
    )  # fmt: skip
