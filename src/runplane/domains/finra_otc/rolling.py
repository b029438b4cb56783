"""`finra.otc_transparency.compute_rolling`: rolling average volume over up to 6 weeks and
the change from the week before, for every symbol traded in the week.

The window holds the aggregated weeks among the `weeks` ending at `week_ending`; a symbol
absent from one of them traded 0 shares there. The week before is `week_ending - 7 days`:
when it is not aggregated the change is left empty.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from runplane.domains.finra_otc import figures, queries, tables
from runplane.domains.finra_otc.params import RollingParams
from runplane.domains.finra_otc.stages import Stage, week_asset
from runplane.domains.finra_otc.writer import CaptureWriter
from runplane.pipelines import DependencyError, Output, RunContext, pipeline

BATCH = 25_000
COLUMNS = (
    "capture_id",
    "symbol",
    "tier",
    "week_ending",
    "weeks_used",
    "average_shares",
    "previous_shares",
    "change",
)


@pipeline(
    Stage.ROLLING.pipeline,
    description=(
        "Rolling average volume (up to 6 weeks) and week-over-week change per symbol.\n"
        "Needs the week and at least one earlier week in the window aggregated."
    ),
    params=RollingParams,
)
def compute_rolling(ctx: RunContext[RollingParams]) -> Output:
    p = ctx.params
    label = f"{p.tier} week ending {p.week_ending}"
    first_week = p.week_ending - timedelta(weeks=p.weeks - 1)
    previous_week = p.week_ending - timedelta(weeks=1)
    with ctx.data.read() as conn:
        window = queries.list_latest_captures(
            conn, Stage.AGGREGATE, tier=p.tier, since=first_week, until=p.week_ending
        )
    by_week = {c.week_ending: c for c in window}
    if p.week_ending not in by_week:
        raise DependencyError(
            f"{label} has no published aggregate",
            pipeline=Stage.AGGREGATE.pipeline,
            params=p.keys(),
        )
    if len(window) < 2:
        raise DependencyError(
            f"a rolling average needs at least 2 aggregated weeks between {first_week} and "
            f"{p.week_ending}, and only {p.week_ending} is",
            pipeline=Stage.AGGREGATE.pipeline,
            params={"week_ending": previous_week.isoformat(), "tier": str(p.tier)},
        )
    weeks = sorted(by_week)
    ctx.log.info("Rolling window: %s", ", ".join(w.isoformat() for w in weeks))
    volumes = _volumes(ctx, {c.capture_id: c.week_ending for c in window})
    current = {s: v[p.week_ending] for s, v in volumes.items() if p.week_ending in v}
    has_previous = previous_week in by_week
    rows: list[tuple[object, ...]] = []
    gains: list[tuple[int, str, float]] = []
    with CaptureWriter(ctx, Stage.ROLLING, p.tier, p.week_ending) as out:
        for symbol in sorted(current):
            history = volumes[symbol]
            average = sum(history.values()) / len(weeks)
            previous = history.get(previous_week, 0) if has_previous else None
            change = (current[symbol] - previous) / previous if previous else None
            if change is not None and previous is not None:
                gains.append((current[symbol] - previous, symbol, change))
            rows.append(
                (
                    ctx.capture_id,
                    *(symbol, str(p.tier), p.week_ending.isoformat()),
                    *(len(weeks), average, previous, change),
                )
            )
            if len(rows) >= BATCH:
                ctx.check_cancelled()
                out.insert(tables.rolling, COLUMNS, rows)
                rows = []
        out.insert(tables.rolling, COLUMNS, rows)
        out.record(
            source_capture_id=by_week[p.week_ending].capture_id,
            rows=len(current),
            rows_rejected=0,
            symbols=len(current),
            weeks_used=len(weeks),
        )
    verb = "Dry run: would compute" if ctx.dry_run else "Computed"
    summary = [
        f"{verb} {len(weeks)}-week rolling averages for {figures.plural(len(current), 'symbol')} "
        f"of {label}",
        f"Weeks used: {', '.join(w.isoformat() for w in weeks)}",
    ]
    if gains:
        gain, symbol, change = max(gains)
        summary.append(
            f"Largest volume gain since {previous_week}: {symbol} "
            f"(+{figures.shares(gain)} shares, {figures.percent(change)})"
        )
    elif not has_previous:
        summary.append(f"No week-over-week change: {previous_week} is not aggregated")
    return Output(
        rows_processed=len(current),
        figures={
            "weeks_used": len(weeks),
            "weeks": [w.isoformat() for w in weeks],
            "symbols": len(current),
            "weeks_updated": [p.week_ending.isoformat()],
        },
        summary=summary,
        assets=[week_asset(p.tier, p.week_ending)],
    )


def _volumes(ctx: RunContext[RollingParams], weeks: dict[str, date]) -> dict[str, dict[date, int]]:
    """symbol -> {week: shares} over the window's aggregate captures."""
    sw = tables.symbol_weeks
    volumes: dict[str, dict[date, int]] = {}
    with ctx.data.read() as conn:
        for capture_id, symbol, shares in conn.execute(
            select(sw.c.capture_id, sw.c.symbol, sw.c.shares).where(
                sw.c.capture_id.in_(list(weeks))
            )
        ):
            volumes.setdefault(symbol, {})[weeks[capture_id]] = shares
    return volumes
