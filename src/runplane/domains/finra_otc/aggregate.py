"""`finra.otc_transparency.aggregate_week`: per-symbol weekly totals, each venue's share of a
symbol's volume, venue concentration (HHI) and rank by volume.

HHI is the sum of squared venue shares: 1.0 for a symbol traded at one venue, 1/n for
volume split evenly over n venues. A symbol with no shares counts its venues evenly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runplane.domains.finra_otc import bulk, figures, queries, tables
from runplane.domains.finra_otc.params import WeekParams
from runplane.domains.finra_otc.stages import Stage, week_asset
from runplane.domains.finra_otc.writer import CaptureWriter
from runplane.pipelines import DependencyError, Output, RunContext, pipeline

BATCH = 25_000
SYMBOL_COLUMNS = (
    "capture_id",
    "symbol",
    "tier",
    "week_ending",
    "issue_name",
    "shares",
    "trades",
    "venues",
    "hhi",
    "rank",
)
VENUE_COLUMNS = ("capture_id", "symbol", "mpid", "participant_name", "shares", "trades", "share")


@dataclass
class SymbolTotal:
    issue_name: str
    shares: int = 0
    trades: int = 0
    venues: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    """MPID -> (venue name, shares, trades)."""

    def share(self, venue_shares: int) -> float:
        if self.shares == 0:
            return 1 / len(self.venues)
        return venue_shares / self.shares

    @property
    def hhi(self) -> float:
        return sum(self.share(s) ** 2 for _, s, _ in self.venues.values())


@pipeline(
    Stage.AGGREGATE.pipeline,
    description=(
        "Weekly totals per symbol, each venue's share of its volume, venue concentration "
        "(HHI, 0 to 1) and rank by volume.\nNeeds a published normalize_week of the same week."
    ),
    params=WeekParams,
)
def aggregate_week(ctx: RunContext[WeekParams]) -> Output:
    p = ctx.params
    label = f"{p.tier} week ending {p.week_ending}"
    with ctx.data.read() as conn:
        normalized = queries.find_latest_capture(conn, Stage.NORMALIZE, p.tier, p.week_ending)
        ingested = queries.find_latest_capture(conn, Stage.INGEST, p.tier, p.week_ending)
    if normalized is None:
        raise DependencyError(
            f"{label} has no published normalize",
            pipeline=Stage.NORMALIZE.pipeline,
            params=p.keys(),
        )
    if ingested is not None and normalized.source_capture_id != ingested.capture_id:
        raise DependencyError(
            f"{label} was ingested again (capture {ingested.capture_id}) after it was "
            f"normalised from {normalized.source_capture_id}",
            pipeline=Stage.NORMALIZE.pipeline,
            params=p.keys(),
        )
    ctx.log.info("Aggregating normalize capture %s", normalized.capture_id)
    with bulk.collector_paused():
        totals = _totals(ctx, normalized.capture_id)
    ranked = sorted(totals.items(), key=lambda item: (-item[1].shares, item[0]))
    total_shares = sum(t.shares for t in totals.values())
    top = ranked[0] if ranked else None
    with CaptureWriter(ctx, Stage.AGGREGATE, p.tier, p.week_ending) as out:
        with bulk.collector_paused():
            venues = _write(ctx, out, ranked)
        out.record(
            source_capture_id=normalized.capture_id,
            rows=len(ranked),
            rows_rejected=0,
            symbols=len(ranked),
            total_shares=total_shares,
            top_symbol=None if top is None else top[0],
            top_shares=None if top is None else top[1].shares,
        )
    single = sum(1 for t in totals.values() if len(t.venues) == 1)
    verb = "Dry run: would aggregate" if ctx.dry_run else "Aggregated"
    summary = [f"{verb} {figures.plural(len(ranked), 'symbol')} for {label}"]
    if top is not None:
        summary.append(f"Top symbol by volume: {top[0]} ({figures.shares(top[1].shares)} shares)")
    summary += [
        f"Total volume: {figures.shares(total_shares)} shares across "
        f"{figures.plural(len(venues), 'venue')}",
        f"Traded at a single venue (HHI 1.0): {figures.plural(single, 'symbol')}",
    ]
    return Output(
        rows_processed=len(ranked),
        figures={
            "symbols": len(ranked),
            "venues": len(venues),
            "total_shares": total_shares,
            "top_symbol": None if top is None else top[0],
            "weeks_updated": [p.week_ending.isoformat()],
            "source_capture_id": normalized.capture_id,
        },
        summary=summary,
        assets=[week_asset(p.tier, p.week_ending)],
    )


def _write(
    ctx: RunContext[WeekParams], out: CaptureWriter, ranked: list[tuple[str, SymbolTotal]]
) -> set[str]:
    """Write the symbol and venue rows in rank order; returns the venues seen."""
    tier, week = str(ctx.params.tier), ctx.params.week_ending.isoformat()
    venues: set[str] = set()
    symbol_rows: list[tuple[object, ...]] = []
    venue_rows: list[tuple[object, ...]] = []
    for rank, (symbol, t) in enumerate(ranked, start=1):
        symbol_rows.append(
            (
                *(ctx.capture_id, symbol, tier, week, t.issue_name),
                *(t.shares, t.trades, len(t.venues), t.hhi, rank),
            )
        )
        for mpid, (name, shares, trades) in t.venues.items():
            venues.add(mpid)
            venue_rows.append((ctx.capture_id, symbol, mpid, name, shares, trades, t.share(shares)))
        if len(venue_rows) >= BATCH:
            ctx.check_cancelled()
            out.insert(tables.symbol_weeks, SYMBOL_COLUMNS, symbol_rows)
            out.insert(tables.venue_shares, VENUE_COLUMNS, venue_rows)
            symbol_rows, venue_rows = [], []
    out.insert(tables.symbol_weeks, SYMBOL_COLUMNS, symbol_rows)
    out.insert(tables.venue_shares, VENUE_COLUMNS, venue_rows)
    return venues


def _totals(ctx: RunContext[WeekParams], capture_id: str) -> dict[str, SymbolTotal]:
    """Per-symbol totals and venues of a normalize capture."""
    totals: dict[str, SymbolTotal] = {}
    for batch in queries.iter_line_batches(
        ctx.data,
        tables.weekly_rows,
        ("symbol", "issue_name", "mpid", "participant_name", "shares", "trades"),
        capture_id,
        BATCH,
    ):
        ctx.check_cancelled()
        for _, symbol, issue_name, mpid, participant_name, shares, trades in batch:
            total = totals.get(symbol)
            if total is None:
                total = totals[symbol] = SymbolTotal(issue_name)
            total.shares += shares
            total.trades += trades
            total.venues[mpid] = (participant_name, shares, trades)
    return totals
