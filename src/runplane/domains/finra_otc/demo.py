"""What `runplane demo` shows of FINRA: synthetic weeks through the real pipelines — a
backfill that succeeds, a dry run, and three kinds of failure — and the weekly ingest as an
operator would schedule it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from runplane.domains.finra_otc import demo_history
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.stages import BACKFILL, PIPELINES, Stage
from runplane.domains.finra_otc.synthetic import write_weeks
from runplane.model.clock import utcnow
from runplane.plugins import DemoPlan, DemoRun, DemoSchedule

TIER = MarketTier.OTC
WEEKS = (date(2025, 12, 1), date(2025, 12, 8), date(2025, 12, 15))
UNPUBLISHED_WEEK = date(2025, 12, 22)
"""The week the unavailable upstream answers with 503: never ingested, so nothing
downstream runs."""


def plan(data_dir: Path, rows: int, unavailable_url: str) -> DemoPlan:
    """Write the synthetic weeks into `data_dir`, and say what to run and schedule."""
    files = write_weeks(data_dir, tier=TIER, weeks=list(WEEKS), rows=rows, bad_rows=1)
    week = UNPUBLISHED_WEEK.isoformat()
    ingest, aggregate = PIPELINES[Stage.INGEST], PIPELINES[Stage.AGGREGATE]
    tier = str(TIER)
    return DemoPlan(
        runs=(
            DemoRun(BACKFILL, {"start": str(WEEKS[0]), "end": str(WEEKS[-1]), "tiers": tier}),
            DemoRun(
                ingest,
                {"week_ending": week, "tier": tier, "source": f"{unavailable_url}/otc/{week}.psv"},
            ),
            DemoRun(ingest, {"week_ending": str(WEEKS[-1]), "tier": "NMS_TIER_1"}),
            DemoRun(aggregate, {"week_ending": week, "tier": tier}),
            DemoRun(
                ingest, {"week_ending": str(WEEKS[0]), "tier": tier, "force": True}, dry_run=True
            ),
        ),
        schedules=(
            DemoSchedule(
                name="finra-weekly",
                pipeline=ingest,
                cron="0 6 * * 2",
                timezone="America/New_York",
                params={"week_ending": "{{ last_week_ending }}", "tier": tier},
            ),
        ),
        history=demo_history.history(utcnow(), tier),
        notes=(
            f"Wrote {len(files)} synthetic {tier} weeks of {rows:,} rows to {data_dir} "
            "(every security name ends with '(synthetic)'; one row per week is bad on purpose)",
        ),
    )
