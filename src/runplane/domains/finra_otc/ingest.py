"""`finra.otc_transparency.ingest_week`: stream one weekly file into a new capture.

File-level problems fail the run (empty file, wrong header, a row of another week or
tier); row-level problems are left for normalize, which rejects those rows by line.
"""

from __future__ import annotations

from collections.abc import Iterator

from runplane.domains.finra_otc import bulk, columns, figures, queries, tables
from runplane.domains.finra_otc.blocks import Block, Rest, read_blocks
from runplane.domains.finra_otc.params import IngestParams, MarketTier
from runplane.domains.finra_otc.psv import DATE, FIELDS, SHARES, SYMBOL, TIER, Where
from runplane.domains.finra_otc.sources import open_bytes, resolve_source
from runplane.domains.finra_otc.stages import Stage, week_asset
from runplane.domains.finra_otc.volumes import Volumes
from runplane.domains.finra_otc.writer import CaptureWriter
from runplane.pipelines import Output, RunContext, pipeline

BATCH = 25_000
COLUMNS = ("capture_id", "line", *tables.RAW_FIELDS)
ODD_COLUMNS = (*COLUMNS, "fields")


@pipeline(
    Stage.INGEST.pipeline,
    description=(
        "Load one week of FINRA's OTC transparency file into a new capture.\n"
        "Reads a pipe-delimited file inside RUNPLANE_DATA_DIR or an http(s) URL as a stream; "
        "a week and tier that already has a published capture is skipped unless force=true."
    ),
    params=IngestParams,
)
def ingest_week(ctx: RunContext[IngestParams]) -> Output:
    p = ctx.params
    source = resolve_source(p.source, tier=p.tier, week=p.week_ending, data_dir=ctx.data_dir)
    label = f"{p.tier} data for week ending {p.week_ending}"
    if not p.force:
        with ctx.data.read() as conn:
            existing = queries.find_latest_capture(conn, Stage.INGEST, p.tier, p.week_ending)
        if existing is not None:
            ctx.log.info(
                "%s is already ingested (capture %s); nothing to do", label, existing.capture_id
            )
            return Output(
                rows_processed=0,
                figures={"weeks_updated": []},
                summary=[
                    f"{label} is already ingested: capture {existing.capture_id} "
                    f"({figures.plural(existing.rows, 'row')})",
                    "Nothing to do; run with force=true to ingest it again as a new capture",
                ],
                assets=[week_asset(p.tier, p.week_ending)],
            )
    with open_bytes(
        source, policy=ctx.fetch_policy, timeout=p.timeout_seconds, log=ctx.log
    ) as stream:
        parts = read_blocks(stream, source.where)
        with CaptureWriter(ctx, Stage.INGEST, p.tier, p.week_ending) as out:
            load = _Load(ctx, out, source.where, p.tier, p.week_ending.isoformat())
            with bulk.collector_paused():
                count = load.parts(parts)
            volumes = load.volumes
            out.record(rows=count, rows_rejected=0)
    with ctx.data.read() as conn:
        added = volumes.count_new(queries.list_symbols_before(conn, p.tier, p.week_ending))
    verb = "Dry run: would ingest" if ctx.dry_run else "Ingested"
    ctx.log.info("%s %s rows from %s", verb, f"{count:,}", source.where.name)
    top = volumes.top()
    top_text = None if top is None else f"{top[0]} ({figures.shares(top[1])} shares)"
    return Output(
        rows_processed=count,
        figures={
            "symbols": volumes.count(),
            "symbols_added": added,
            "top_symbol_by_volume": top_text,
            "weeks_updated": [p.week_ending.isoformat()],
            "source": source.where.name,
        },
        summary=[
            f"{verb} {label}",
            f"{figures.plural(count, 'row')} from {source.where.name}",
            *([] if top_text is None else [f"Top symbol by volume: {top_text}"]),
            f"New symbols added: {added:,}",
        ],
        assets=[week_asset(p.tier, p.week_ending)],
    )


class _Load:
    """Writes every data line of the file under the run's capture, each plain block as
    columns, any other through the row path; fails on a row of another week or tier.
    Each symbol's shares are added up in `volumes` (rows normalize would reject included)."""

    def __init__(
        self,
        ctx: RunContext[IngestParams],
        out: CaptureWriter,
        where: Where,
        tier: MarketTier,
        week: str,
    ) -> None:
        self.ctx, self.out, self.where, self.tier, self.week = ctx, out, where, tier, week
        self.volumes = Volumes()
        self.count = 0
        self.line = 1
        """The file line last read (the header is line 1)."""

    def parts(self, parts: Iterator[Block | Rest]) -> int:
        """Load every part; the number of lines written."""
        for part in parts:
            if isinstance(part, Rest):
                self.rows(part.records)
                continue
            found = columns.check(part, self.tier.description, self.week)
            if found is None:
                self.rows(part.records())
            else:
                self.block(found)
        if self.count == 0:
            raise self.where.error(
                "the file has FINRA's header but no data rows; download the week's file again",
                1,
            )
        return self.count

    def block(self, found: columns.Columns) -> None:
        self.ctx.check_cancelled()
        self.out.insert_lines(
            tables.raw_rows, COLUMNS, self.line + 1, found.fields, backslash=found.backslash
        )
        self.volumes.add_table(found.shares, found.bound)
        self.line += found.rows
        self._progress(found.rows)

    def rows(self, rows: Iterator[list[str]]) -> None:
        """Today's row path: line by line, in batches of `BATCH`."""
        capture_id, tier, week, volumes = self.ctx.capture_id, self.tier, self.week, self.volumes
        tier_name = tier.description
        batch: list[tuple[object, ...]] = []
        odd: list[tuple[object, ...]] = []
        line = self.line
        for fields in rows:
            line += 1
            if len(fields) == FIELDS:
                if fields[TIER] != tier_name or fields[DATE] != week:
                    _check_row(fields, line, self.where, tier, week)
                batch.append((capture_id, line, *fields))
                volume = fields[SHARES].strip()
                if fields[SYMBOL] and volume.isdigit():
                    volumes.add(fields[SYMBOL], int(volume))
            elif fields:
                odd.append((capture_id, line, *_fit(fields), len(fields)))
            if len(batch) + len(odd) >= BATCH:
                self._flush(batch, odd)
                batch, odd = [], []
        self._flush(batch, odd)
        self.line = line

    def _flush(self, batch: list[tuple[object, ...]], odd: list[tuple[object, ...]]) -> None:
        self.ctx.check_cancelled()
        self.out.insert(tables.raw_rows, COLUMNS, batch)
        self.out.insert(tables.raw_rows, ODD_COLUMNS, odd)
        self._progress(len(batch) + len(odd))

    def _progress(self, written: int) -> None:
        if written:
            self.count += written
            self.ctx.progress(self.count, None, f"{self.count:,} rows loaded")


def _fit(fields: list[str]) -> list[str | None]:
    """A line with the wrong number of fields, cut or padded to FINRA's columns."""
    return [*fields[:FIELDS], *([None] * (FIELDS - len(fields)))]


def _check_row(fields: list[str], line: int, where: Where, tier: MarketTier, week: str) -> None:
    """Refuse a row of another tier or week; blank values are for normalize to reject."""
    found_tier = fields[TIER].strip()
    if found_tier and found_tier != tier.description:
        other = MarketTier.from_description(found_tier)
        fix = f"pass tier={other}" if other else "check that this is a FINRA OTC file"
        raise where.error(
            f"tierDescription is {found_tier!r}, but tier={tier} expects "
            f"{tier.description!r}; {fix}, or use the {tier} file",
            line,
        )
    found_week = fields[DATE].strip()
    if found_week and found_week != week:
        raise where.error(
            f"lastUpdateDate is {found_week}, but week_ending={week}; pass "
            f"week_ending={found_week}, or use the file of the week ending {week}",
            line,
        )
