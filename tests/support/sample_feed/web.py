"""The sample feed's dashboard part: its Days page, a sidebar entry, an Overview card and the
link from a load's Output tab to its day."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request, Response

from runplane.web.deps import State, StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.parts import Card, DashboardPart, NavEntry, OutputLink
from runplane.web.templating import render
from runplane.web.urls import PREFIX
from tests.support.sample_feed import HERE
from tests.support.sample_feed.pipelines import ASSET_KIND
from tests.support.sample_feed.queries import list_days

router = APIRouter(route_class=DashboardRoute)


@router.get("/sample-feed")
def days_page(request: Request, s: StateDep) -> Response:
    """The published days, the one in `?day=` marked."""
    with s.db.read() as conn:
        days = list_days(conn)
    return render(
        request, "sample_feed/days.html", title="Sample feed", nav="sample_feed", days=days,
        chosen=request.query_params.get("day"),
    )  # fmt: skip


def days_card(s: State) -> Card:
    with s.db.read() as conn:
        return Card("sample_feed/_card.html", {"days": list_days(conn)})


def day_link(keys: Mapping[str, str]) -> OutputLink | None:
    if "day" not in keys:
        return None
    return OutputLink(f"{PREFIX}/sample-feed?day={keys['day']}", "View the day", keys["day"])


dashboard = DashboardPart(
    routers=(router,),
    templates=HERE / "templates",
    nav=(NavEntry("sample_feed", "Sample feed", "/sample-feed"),),
    cards=(days_card,),
    asset_links={ASSET_KIND: day_link},
)
