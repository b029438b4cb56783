"""The domain's dashboard part: the Assets page with its template and stylesheet, the
"Assets" entry of the sidebar, the Overview's "Latest data per tier" card, and the Output
tab's link to a week."""

from pathlib import Path

from runplane.domains.finra_otc.stages import ASSET_KIND
from runplane.domains.finra_otc.web import assets, overview
from runplane.web.parts import DashboardPart, NavEntry

dashboard = DashboardPart(
    routers=(assets.router,),
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    stylesheets=("assets.css",),
    nav=(NavEntry("assets", "Assets", "/assets"),),
    cards=(overview.latest_weeks_card,),
    asset_links={ASSET_KIND: assets.week_link},
)
