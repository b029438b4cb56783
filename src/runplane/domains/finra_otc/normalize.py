"""`finra.otc_transparency.normalize_week`: validate and normalise one ingested week.

Symbols and MPIDs upper-cased, names trimmed, volumes as integers, tiers by name. A row
that fails (wrong field count, an empty or malformed field, a repeated symbol and venue)
is recorded with its file line and reason; the rest are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runplane.domains.finra_otc import bulk, figures, queries, tables
from runplane.domains.finra_otc.params import WeekParams
from runplane.domains.finra_otc.psv import FIELDS, Row, normalise
from runplane.domains.finra_otc.stages import Stage, week_asset
from runplane.domains.finra_otc.writer import CaptureWriter
from runplane.pipelines import DependencyError, Output, RunContext, pipeline

BATCH = 25_000
COLUMNS = (
    "capture_id",
    "line",
    "tier",
    "week_ending",
    "symbol",
    "issue_name",
    "mpid",
    "participant_name",
    "shares",
    "trades",
)
REJECT_COLUMNS = ("capture_id", "line", "reason", "content")
_LOGGED_REJECTS = 20


@dataclass
class Tally:
    """What normalising a week found, kept as it goes."""

    read: int = 0
    rejected: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)
    """The first rejects, (line, reason), for the log and the summary."""
    shares: dict[str, int] = field(default_factory=dict)
    venues: set[str] = field(default_factory=set)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return self.read - self.rejected

    @property
    def top(self) -> tuple[str, int] | None:
        return max(self.shares.items(), key=lambda kv: (kv[1], kv[0])) if self.shares else None


@pipeline(
    Stage.NORMALIZE.pipeline,
    description=(
        "Validate and normalise one ingested week and tier; reject bad rows by line.\n"
        "Needs a published ingest_week of the same week and tier."
    ),
    params=WeekParams,
)
def normalize_week(ctx: RunContext[WeekParams]) -> Output:
    p = ctx.params
    label = f"{p.tier} week ending {p.week_ending}"
    with ctx.data.read() as conn:
        source = queries.find_latest_capture(conn, Stage.INGEST, p.tier, p.week_ending)
    if source is None:
        raise DependencyError(
            f"{label} has no published ingest",
            pipeline=Stage.INGEST.pipeline,
            params=p.keys(),
        )
    ctx.log.info("Normalising ingest capture %s (%s rows)", source.capture_id, f"{source.rows:,}")
    tally = Tally()
    with CaptureWriter(ctx, Stage.NORMALIZE, p.tier, p.week_ending) as out:
        with bulk.collector_paused():
            for batch in queries.iter_line_batches(
                ctx.data, tables.raw_rows, (*tables.RAW_FIELDS, "fields"), source.capture_id, BATCH
            ):
                ctx.check_cancelled()
                kept, rejected = _normalise_batch(ctx, batch, tally, p.week_ending.isoformat())
                out.insert(tables.weekly_rows, COLUMNS, kept)
                out.insert(tables.rejected_rows, REJECT_COLUMNS, rejected)
                ctx.progress(tally.read, source.rows)
        if tally.rejected > _LOGGED_REJECTS:
            ctx.log.warning("... and %d more rejected rows", tally.rejected - _LOGGED_REJECTS)
        with ctx.data.read() as conn:
            earlier = queries.list_symbols_before(conn, p.tier, p.week_ending)
        added = len(tally.shares.keys() - earlier)
        top = tally.top
        out.record(
            source_capture_id=source.capture_id,
            rows=tally.kept,
            rows_rejected=tally.rejected,
            symbols=len(tally.shares),
            symbols_added=added,
            total_shares=sum(tally.shares.values()),
            top_symbol=None if top is None else top[0],
            top_shares=None if top is None else top[1],
        )
    return Output(
        rows_processed=tally.kept,
        figures={
            "rows_read": tally.read,
            "rows_rejected": tally.rejected,
            "rejected_lines": [line for line, _ in tally.examples],
            "symbols": len(tally.shares),
            "symbols_added": added,
            "venues": len(tally.venues),
            "weeks_updated": [p.week_ending.isoformat()],
            "source_capture_id": source.capture_id,
        },
        summary=_summary(ctx, label, tally, added),
        assets=[week_asset(p.tier, p.week_ending)],
    )


def _normalise_batch(
    ctx: RunContext[WeekParams], batch: list[tuple[Any, ...]], tally: Tally, week: str
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Rows to keep and rows to reject, in the tables' column order."""
    kept: list[tuple[object, ...]] = []
    rejected: list[tuple[object, ...]] = []
    for line, *fields, field_count in batch:
        row: Row | str = (
            normalise(fields)
            if field_count is None
            else f"expected {FIELDS} fields, found {field_count}"
        )
        if isinstance(row, Row):
            first = tally.seen.setdefault((row.symbol, row.mpid), line)
            if first != line:
                row = f"repeats symbol {row.symbol} at venue {row.mpid} (line {first})"
        if isinstance(row, str):
            content = "|".join("" if f is None else str(f) for f in fields)
            rejected.append((ctx.capture_id, line, row[:300], content))
            tally.rejected += 1
            if len(tally.examples) < _LOGGED_REJECTS:
                tally.examples.append((line, row))
                ctx.log.warning("Line %d rejected: %s", line, row)
            continue
        tally.shares[row.symbol] = tally.shares.get(row.symbol, 0) + row.shares
        tally.venues.add(row.mpid)
        kept.append(
            (
                *(ctx.capture_id, line, str(row.tier), week),
                *(row.symbol, row.issue_name, row.mpid, row.participant_name),
                *(row.shares, row.trades),
            )
        )
    tally.read += len(batch)
    return kept, rejected


def _summary(ctx: RunContext[WeekParams], label: str, tally: Tally, added: int) -> list[str]:
    verb = "Dry run: would normalise" if ctx.dry_run else "Normalised"
    summary = [f"{verb} {label}: {figures.plural(tally.kept, 'row')} kept"]
    if tally.rejected == 1:
        line, reason = tally.examples[0]
        summary.append(f"Rejected 1 row: line {line} ({reason})")
    elif tally.rejected:
        line, reason = tally.examples[0]
        summary.append(f"Rejected {tally.rejected:,} rows; first: line {line} ({reason})")
    else:
        summary.append("Rejected 0 rows")
    if (top := tally.top) is not None:
        summary.append(f"Top symbol by volume: {top[0]} ({figures.shares(top[1])} shares)")
    summary += [
        f"New symbols added: {added:,}",
        f"{figures.plural(len(tally.shares), 'symbol')} across "
        f"{figures.plural(len(tally.venues), 'venue')}: {', '.join(sorted(tally.venues))}",
    ]
    return summary
