"""`finra.otc_transparency.normalize_week`: validate and normalise one ingested week.

Symbols and MPIDs upper-cased, names trimmed, volumes as integers, tiers by name. A row
that fails (wrong field count, an empty or malformed field, a repeated symbol and venue)
is recorded with its file line and reason; the rest are kept.
"""

from __future__ import annotations

from runplane.domains.finra_otc import bulk, figures, queries, tables
from runplane.domains.finra_otc.params import WeekParams
from runplane.domains.finra_otc.psv import FIELDS, Row, normalise
from runplane.domains.finra_otc.stages import Stage, week_asset
from runplane.domains.finra_otc.writer import CaptureWriter
from runplane.pipelines import DependencyError, Output, RunContext, pipeline

BATCH = 25_000
RAW_COLUMNS = (
    "tier_description",
    "symbol",
    "issue_name",
    "participant_name",
    "mpid",
    "share_quantity",
    "trade_count",
    "last_update_date",
)
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
            f"{label} has no published ingest; run {Stage.INGEST.pipeline} for it first",
            pipeline=Stage.INGEST.pipeline,
            params=p.keys(),
        )
    ctx.log.info("Normalising ingest capture %s (%s rows)", source.capture_id, f"{source.rows:,}")
    week = p.week_ending.isoformat()
    seen: dict[tuple[str, str], int] = {}
    symbols: dict[str, int] = {}
    venues: set[str] = set()
    rejects: list[tuple[int, str]] = []
    read = 0
    with CaptureWriter(ctx, Stage.NORMALIZE, p.tier, p.week_ending) as out, bulk.collector_paused():
        for batch in queries.iter_line_batches(
            ctx.data, tables.raw_rows, (*RAW_COLUMNS, "fields"), source.capture_id, BATCH
        ):
            ctx.check_cancelled()
            kept: list[tuple[object, ...]] = []
            rejected: list[tuple[object, ...]] = []
            for line, *fields, field_count in batch:
                row: Row | str = (
                    normalise(fields)
                    if field_count is None
                    else f"expected {FIELDS} fields, found {field_count}"
                )
                if isinstance(row, Row):
                    first = seen.setdefault((row.symbol, row.mpid), line)
                    if first != line:
                        row = f"repeats symbol {row.symbol} at venue {row.mpid} (line {first})"
                if isinstance(row, str):
                    content = "|".join("" if f is None else str(f) for f in fields)
                    rejected.append((ctx.capture_id, line, row[:300], content))
                    rejects.append((line, row))
                    if len(rejects) <= _LOGGED_REJECTS:
                        ctx.log.warning("Line %d rejected: %s", line, row)
                    continue
                symbols[row.symbol] = symbols.get(row.symbol, 0) + row.shares
                venues.add(row.mpid)
                kept.append(
                    (
                        ctx.capture_id,
                        line,
                        str(row.tier),
                        week,
                        row.symbol,
                        row.issue_name,
                        row.mpid,
                        row.participant_name,
                        row.shares,
                        row.trades,
                    )
                )
            read += len(batch)
            out.insert(tables.weekly_rows, COLUMNS, kept)
            out.insert(tables.rejected_rows, REJECT_COLUMNS, rejected)
            ctx.progress(read, source.rows)
        kept_count = read - len(rejects)
        if len(rejects) > _LOGGED_REJECTS:
            ctx.log.warning("... and %d more rejected rows", len(rejects) - _LOGGED_REJECTS)
        with ctx.data.read() as conn:
            added = len(symbols.keys() - queries.list_symbols_before(conn, p.tier, p.week_ending))
        top = max(symbols.items(), key=lambda item: (item[1], item[0])) if symbols else None
        out.record(
            source_capture_id=source.capture_id,
            rows=kept_count,
            rows_rejected=len(rejects),
            symbols=len(symbols),
            symbols_added=added,
            total_shares=sum(symbols.values()),
            top_symbol=None if top is None else top[0],
            top_shares=None if top is None else top[1],
        )
    verb = "Dry run: would normalise" if ctx.dry_run else "Normalised"
    summary = [
        f"{verb} {p.tier} data for week ending {week}: {figures.plural(kept_count, 'row')} kept"
    ]
    if len(rejects) == 1:
        summary.append(f"Rejected 1 row: line {rejects[0][0]} ({rejects[0][1]})")
    elif rejects:
        line, reason = rejects[0]
        summary.append(f"Rejected {len(rejects):,} rows; first: line {line} ({reason})")
    else:
        summary.append("Rejected 0 rows")
    if top is not None:
        summary.append(f"Top symbol by volume: {top[0]} ({figures.shares(top[1])} shares)")
    summary += [
        f"New symbols added: {added:,}",
        f"{figures.plural(len(symbols), 'symbol')} across {figures.plural(len(venues), 'venue')}: "
        + ", ".join(sorted(venues)),
    ]
    return Output(
        rows_processed=kept_count,
        figures={
            "rows_read": read,
            "rows_rejected": len(rejects),
            "rejected_lines": [line for line, _ in rejects[:_LOGGED_REJECTS]],
            "symbols": len(symbols),
            "symbols_added": added,
            "venues": len(venues),
            "weeks_updated": [week],
            "source_capture_id": source.capture_id,
        },
        summary=summary,
        assets=[week_asset(p.tier, p.week_ending)],
    )
