"""`/dashboard/executions/compare?a=ID&b=ID`: two executions side by side, reached from an
execution's Summary ("compare with the last success"). Peak memory and cost show the
locked wording below the advanced tier."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from runplane.tiers import Feature
from runplane.views import compare
from runplane.views.list_query import ListingError
from runplane.web.deps import StateDep, requires
from runplane.web.errors import DashboardRoute
from runplane.web.templating import render

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])


@router.get("/executions/compare")
def compare_page(request: Request, s: StateDep) -> Response:
    """What differs between two runs, and where their logs part."""
    try:
        ids = compare.parse_pair(request.query_params.get("a"), request.query_params.get("b"))
    except ListingError as exc:
        return render(
            request, "error.html", title="Compare executions", nav="executions", status=400,
            heading="Two executions to compare", message=f"{exc.message[:1].upper()}"
            f"{exc.message[1:]}; open one's Summary and follow `compare with the last "
            "success`, or give both ids.",
        )  # fmt: skip
    with s.db.read() as conn:
        found = compare.load_comparison(conn, *ids)
    c = compare.compare_json(found, s.settings.tier)
    return render(
        request, "compare.html", title=f"Compare {found.a.execution_id[:8]} with "
        f"{found.b.execution_id[:8]}", nav="executions", c=c, runs=(found.a, found.b),
        logs_text=compare.logs_text(c["logs"]),
    )  # fmt: skip
