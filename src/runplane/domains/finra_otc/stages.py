"""The chain a week goes through, stage by stage, and how each stage's data asset is named.

    ingest -> normalize -> aggregate -> rolling

Each stage's run publishes one capture of the asset `finra_otc/{tier}/{week}/{stage}`,
e.g. `finra_otc/OTC/2025-12-22/ingest`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from runplane.pipelines import Asset

PREFIX = "finra_otc"
ASSET_KIND = "finra_otc"


class Stage(StrEnum):
    INGEST = "ingest"
    NORMALIZE = "normalize"
    AGGREGATE = "aggregate"
    ROLLING = "rolling"

    @property
    def pipeline(self) -> str:
        """The pipeline that produces this stage, e.g. `finra.otc_transparency.ingest_week`."""
        return PIPELINES[self]

    def asset(self, tier: str, week: date) -> str:
        return f"{PREFIX}/{tier}/{week.isoformat()}/{self.value}"


PIPELINES = {
    Stage.INGEST: "finra.otc_transparency.ingest_week",
    Stage.NORMALIZE: "finra.otc_transparency.normalize_week",
    Stage.AGGREGATE: "finra.otc_transparency.aggregate_week",
    Stage.ROLLING: "finra.otc_transparency.compute_rolling",
}
BACKFILL = "finra.otc_transparency.backfill_range"


def week_asset(tier: str, week: date) -> Asset:
    """What the Output tab links to ("View in Data Assets")."""
    return Asset(ASSET_KIND, {"tier": str(tier), "week": week.isoformat()})
