"""`finra.otc_transparency.backfill_range`: the whole chain for a range of weeks and tiers,
as child executions.

Per week and tier: ingest, then normalize after it, then aggregate after that (the
executor starts a child only once its `after` execution completed). Once they end, the
rolling figures of each aggregated week that has an earlier aggregated week. The backfill
waits without holding a worker slot, so it completes even with one worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from runplane.domains.finra_otc import queries
from runplane.domains.finra_otc.params import ROLLING_WEEKS, BackfillParams, MarketTier
from runplane.domains.finra_otc.stages import BACKFILL, Stage, week_asset
from runplane.pipelines import DependencyError, Output, RunContext, pipeline

COMPLETED = "completed"
DRY_RUN = "dry_run"


@dataclass
class Chain:
    """The child executions of one week and tier, in order."""

    tier: MarketTier
    week: date
    runs: dict[Stage, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.tier} {self.week}"

    def params(self) -> dict[str, str]:
        return {"week_ending": self.week.isoformat(), "tier": str(self.tier)}

    def failed_stage(self, statuses: dict[str, str], ok: str) -> Stage | None:
        return next((s for s, run in self.runs.items() if statuses.get(run) != ok), None)


@pipeline(
    BACKFILL,
    description=(
        "Ingest, normalize and aggregate a range of weeks (and tiers) as child executions, "
        "then compute rolling figures; reports which weeks succeeded."
    ),
    params=BackfillParams,
    retry=None,
)
def backfill_range(ctx: RunContext[BackfillParams]) -> Output:
    p = ctx.params
    tiers = list(dict.fromkeys(p.tiers))
    chains = [Chain(tier, week) for tier in tiers for week in p.weeks]
    ctx.log.info(
        "Backfilling %d weeks x %d tiers (%s to %s)", len(p.weeks), len(tiers), p.start, p.end
    )
    if ctx.dry_run:
        return _dry_run(ctx, chains)
    for chain in chains:
        ingest = ctx.submit(Stage.INGEST.pipeline, {**chain.params(), "force": p.force})
        normalize = ctx.submit(Stage.NORMALIZE.pipeline, chain.params(), after=ingest)
        aggregate = ctx.submit(Stage.AGGREGATE.pipeline, chain.params(), after=normalize)
        chain.runs = {Stage.INGEST: ingest, Stage.NORMALIZE: normalize, Stage.AGGREGATE: aggregate}
    statuses = ctx.wait([run for chain in chains for run in chain.runs.values()])
    if p.rolling:
        rolling = _submit_rolling(
            ctx, [c for c in chains if c.failed_stage(statuses, COMPLETED) is None]
        )
        statuses |= ctx.wait(rolling)
    return _report(ctx, chains, statuses, COMPLETED)


def _submit_rolling(ctx: RunContext[BackfillParams], chains: list[Chain]) -> list[str]:
    """Rolling runs for the weeks with an earlier aggregated week inside their window."""
    submitted = []
    for chain in chains:
        since = chain.week - timedelta(weeks=ROLLING_WEEKS - 1)
        with ctx.data.read() as conn:
            window = queries.list_latest_captures(
                conn, Stage.AGGREGATE, tier=chain.tier, since=since, until=chain.week
            )
        if len(window) < 2:
            ctx.log.info("No rolling figures for %s: no earlier week is aggregated", chain.label)
            continue
        chain.runs[Stage.ROLLING] = ctx.submit(Stage.ROLLING.pipeline, chain.params())
        submitted.append(chain.runs[Stage.ROLLING])
    return submitted


def _dry_run(ctx: RunContext[BackfillParams], chains: list[Chain]) -> Output:
    """Check every week's file with a dry-run ingest; later stages need data, so they wait."""
    for chain in chains:
        chain.runs = {
            Stage.INGEST: ctx.submit(
                Stage.INGEST.pipeline, {**chain.params(), "force": ctx.params.force}
            )
        }
    statuses = ctx.wait([chain.runs[Stage.INGEST] for chain in chains])
    return _report(ctx, chains, statuses, DRY_RUN)


def _report(
    ctx: RunContext[BackfillParams], chains: list[Chain], statuses: dict[str, str], ok: str
) -> Output:
    succeeded = [c for c in chains if c.failed_stage(statuses, ok) is None]
    failed = [c for c in chains if c.failed_stage(statuses, ok) is not None]
    for chain in failed:
        stage = chain.failed_stage(statuses, ok)
        assert stage is not None
        run = chain.runs[stage]
        ctx.log.error(
            "%s: %s ended %s (execution %s)", chain.label, stage.pipeline, statuses.get(run), run
        )
    if failed:
        first = failed[0]
        stage = first.failed_stage(statuses, ok)
        assert stage is not None
        done = ", ".join(c.label for c in succeeded) or "none"
        raise DependencyError(
            f"{len(failed)} of {len(chains)} weeks did not complete "
            f"({', '.join(c.label for c in failed)}); first: {stage.pipeline} for {first.label} "
            f"ended {statuses.get(first.runs[stage])} (execution {first.runs[stage]}). "
            f"Completed: {done}",
            pipeline=stage.pipeline,
            params=first.params(),
        )
    verb = "Checked the files of" if ok == DRY_RUN else "Backfilled"
    weeks = sorted({c.week.isoformat() for c in chains})
    return Output(
        rows_processed=None,
        figures={
            "weeks_requested": len(chains),
            "weeks_succeeded": [c.label for c in succeeded],
            "weeks_updated": [] if ok == DRY_RUN else weeks,
            "children": sum(len(c.runs) for c in chains),
        },
        summary=[
            f"{verb} {len(succeeded)} of {len(chains)} weeks: "
            + ", ".join(c.label for c in succeeded),
            f"{sum(len(c.runs) for c in chains)} child executions, all {ok}",
        ],
        assets=[week_asset(c.tier, c.week) for c in chains],
    )
