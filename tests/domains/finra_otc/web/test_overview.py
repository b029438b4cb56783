"""The Overview's "Latest data per tier" card: each tier's newest week, flagged stale when
another tier has a newer one."""

from __future__ import annotations

from datetime import date

from runplane.domains.finra_otc.queries import WeekSummary
from runplane.domains.finra_otc.web.overview import latest_weeks


def test_latest_weeks_flag_tiers_behind_the_newest() -> None:
    def week(tier: str, day: int) -> WeekSummary:
        return WeekSummary(tier=tier, week_ending=date(2025, 12, day), stages={}, captures=1)

    latest = latest_weeks([week("OTC", 22), week("OTC", 15), week("NMS_TIER_1", 15)])
    assert [(w.tier, w.week.day, w.stale) for w in latest] == [
        ("NMS_TIER_1", 15, True),
        ("OTC", 22, False),
    ]
    assert latest_weeks([]) == []
