"""The FINRA OTC pipelines; the `runplane.pipelines` entry point imports this module.

ingest_week -> normalize_week -> aggregate_week -> compute_rolling, and backfill_range
"""

from runplane.domains.finra_otc.aggregate import aggregate_week
from runplane.domains.finra_otc.backfill import backfill_range
from runplane.domains.finra_otc.ingest import ingest_week
from runplane.domains.finra_otc.normalize import normalize_week
from runplane.domains.finra_otc.rolling import compute_rolling

__all__ = ["aggregate_week", "backfill_range", "compute_rolling", "ingest_week", "normalize_week"]
