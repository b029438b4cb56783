"""`/dashboard/notifications`: the rules with their last message and failed deliveries,
the latest deliveries with every attempt, and a "Send test" form per rule (admins)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from runplane.engine.notifications.matching import Links
from runplane.engine.notifications.testing import send_test
from runplane.model.access import Action
from runplane.views.notifications import list_delivery_views, list_rule_states
from runplane.web.deps import CallerDep, StateDep, allowed
from runplane.web.errors import DashboardRoute
from runplane.web.security import FormDep
from runplane.web.templating import render
from runplane.web.urls import PREFIX

router = APIRouter(route_class=DashboardRoute)


@router.get("/notifications")
def notifications_page(request: Request, s: StateDep) -> Response:
    """Who is told what, and whether the last messages arrived."""
    rules = list_rule_states(s.db)
    deliveries = list_delivery_views(s.db, limit=50)
    tested = request.query_params.get("tested")
    return render(
        request, "notifications.html", title="Notifications", nav="notifications",
        rules=rules, deliveries=deliveries, tested=tested,
        test_result=request.query_params.get("result"),
    )  # fmt: skip


@router.post("/notifications/{name}/test", dependencies=[Depends(allowed(Action.NOTIFICATIONS))])
async def test_action(
    name: str, request: Request, s: StateDep, caller: CallerDep, values: FormDep
) -> Response:
    """Send the rule's sample message now, then show what each channel answered."""
    base = s.settings.public_url or str(request.base_url)
    results = await run_in_threadpool(
        lambda: send_test(s.db, name, s.settings, Links(base), origin=caller.origin)
    )
    delivered = sum(r.outcome.delivered for r in results)
    result = f"{delivered} of {len(results)} channels delivered"
    failed = [f"{r.channel}: {r.outcome.error}" for r in results if not r.outcome.delivered]
    if failed:
        result += " (" + "; ".join(failed) + ")"
    query = urlencode({"tested": name, "result": result})
    return RedirectResponse(f"{PREFIX}/notifications?{query}", 303)
