"""`/dashboard/assets`: each tier's weeks with their latest captures, and one week's symbols
ranked by volume with their venues (`?week=2025-12-22&tier=OTC` preselects it); the link
an ingest's or aggregate's Output tab shows to its week."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from runplane.domains.finra_otc import queries
from runplane.domains.finra_otc.stages import Stage
from runplane.web.deps import StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.parts import OutputLink
from runplane.web.templating import render
from runplane.web.urls import PREFIX

router = APIRouter(route_class=DashboardRoute)

SYMBOLS_PER_PAGE = 50


@router.get("/assets")
def assets_page(request: Request, s: StateDep) -> Response:
    """Which weeks each tier has, and what a chosen week holds."""
    q = request.query_params
    tier = (q.get("tier") or "").strip() or None
    week, problem = _week(q.get("week"))
    offset = max(0, int(q["offset"])) if (q.get("offset") or "").isdigit() else 0
    with s.db.read() as conn:
        weeks = queries.list_weeks(conn)
        if week is not None and tier is None:
            tier = next((w.tier for w in weeks if w.week_ending == week), None)
        chosen = None
        captures: list[queries.CaptureRecord] = []
        if week is not None and tier is not None:
            chosen = queries.list_week_symbols(
                conn, tier, week, limit=SYMBOLS_PER_PAGE, offset=offset
            )
            captures = queries.list_week_captures(conn, tier, week)
    return render(
        request, "finra_otc/assets.html", title="Data assets", nav="assets", weeks=weeks,
        week=week, asset_tier=tier, chosen=chosen, captures=captures, offset=offset,
        per_page=SYMBOLS_PER_PAGE, problem=problem, stages=list(Stage),
        first_step=first_step(captures), status=400 if problem else 200,
    )  # fmt: skip


CHAIN = (Stage.INGEST, Stage.NORMALIZE, Stage.AGGREGATE)


def first_step(captures: list[queries.CaptureRecord]) -> Stage:
    """The first stage a week lacks a published capture of: the run that can succeed now
    (an aggregate of a week never ingested would fail as a dependency error)."""
    published = {c.stage for c in captures if c.published_at is not None}
    return next((stage for stage in CHAIN if stage not in published), Stage.AGGREGATE)


def _week(value: str | None) -> tuple[date | None, str | None]:
    text = (value or "").strip()
    if not text:
        return None, None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"week {text[:40]!r} is not a date; use the form 2025-12-22"


def week_link(keys: Mapping[str, str]) -> OutputLink | None:
    """The Output tab's "View in Data Assets" for an asset naming a week and a tier."""
    if not {"week", "tier"} <= set(keys):
        return None
    query = urlencode([("week", keys["week"]), ("tier", keys["tier"])])
    return OutputLink(
        f"{PREFIX}/assets?{query}", "View in Data Assets", f"{keys['tier']} {keys['week']}"
    )
