"""Data-asset queries: weeks per tier, a week's symbols by volume, a symbol's history, and
a week's capture history. The pipelines use the same lookups to find their inputs.

Readers see the latest published capture of each week and stage (the core's
`store.captures` says what is published); an earlier published capture stays readable by id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Row, select

from runplane.domains.finra_otc import tables
from runplane.domains.finra_otc.stages import Stage
from runplane.pipelines import DataAccess
from runplane.store import captures as capture_store

_fc = tables.captures


@dataclass(frozen=True)
class CaptureInfo:
    """A published capture of one stage of one week and tier, with its headline figures."""

    capture_id: str
    stage: Stage
    tier: str
    week_ending: date
    rows: int
    rows_rejected: int
    symbols: int | None
    published_at: datetime
    execution_id: str
    source_capture_id: str | None = None
    symbols_added: int | None = None
    total_shares: int | None = None
    top_symbol: str | None = None
    top_shares: int | None = None
    weeks_used: int | None = None


def _published(conn: Connection, *where: ColumnElement[bool]) -> list[CaptureInfo]:
    """The domain's captures matching `where` that are published, newest published first."""
    rows = conn.execute(select(_fc).where(*where)).all()
    published = {
        p.capture_id: p
        for p in capture_store.list_publications(conn, [row.capture_id for row in rows])
    }
    found = [_info(row, published[row.capture_id]) for row in rows if row.capture_id in published]
    return sorted(found, key=lambda c: (c.published_at, c.capture_id), reverse=True)


_COLUMNS = tuple(_fc.c.keys())


def _info(row: Row[Any], publication: capture_store.Publication) -> CaptureInfo:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["stage"] = Stage(values["stage"])
    return CaptureInfo(
        **values, published_at=publication.published_at, execution_id=publication.execution_id
    )


def find_latest_capture(
    conn: Connection, stage: Stage, tier: str, week: date
) -> CaptureInfo | None:
    """The capture readers see for this week, tier and stage; None if none is published."""
    found = _published(
        conn, _fc.c.stage == str(stage), _fc.c.tier == tier, _fc.c.week_ending == week
    )
    return found[0] if found else None


def find_capture(conn: Connection, capture_id: str) -> CaptureInfo | None:
    """A published capture by id, whether or not it is still the latest (point in time)."""
    found = _published(conn, _fc.c.capture_id == capture_id)
    return found[0] if found else None


def list_latest_captures(
    conn: Connection,
    stage: Stage,
    *,
    tier: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[CaptureInfo]:
    """The latest published capture of every week (oldest week first) in the range."""
    where = [_fc.c.stage == str(stage)]
    if tier is not None:
        where.append(_fc.c.tier == tier)
    if since is not None:
        where.append(_fc.c.week_ending >= since)
    if until is not None:
        where.append(_fc.c.week_ending <= until)
    latest: dict[tuple[str, date], CaptureInfo] = {}
    for info in _published(conn, *where):
        latest.setdefault((info.tier, info.week_ending), info)
    return sorted(latest.values(), key=lambda c: (c.tier, c.week_ending))


def list_symbols_before(conn: Connection, tier: str, week: date) -> set[str]:
    """Every symbol of an earlier week of the tier (latest published normalize captures)."""
    earlier = [
        c.capture_id
        for c in list_latest_captures(conn, Stage.NORMALIZE, tier=tier, until=week)
        if c.week_ending < week
    ]
    if not earlier:
        return set()
    rows = tables.weekly_rows
    return set(
        conn.execute(select(rows.c.symbol).distinct().where(rows.c.capture_id.in_(earlier)))
        .scalars()
        .all()
    )


def iter_line_batches(
    data: DataAccess, table: Any, columns: Sequence[str], capture_id: str, size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """A capture's rows in line order (`line` first, then `columns`), one short read
    transaction per batch of `size`."""
    selected = [table.c.line, *(table.c[name] for name in columns)]
    last = 0
    while True:
        with data.read() as conn:
            batch = cast(
                "list[tuple[Any, ...]]",
                conn.execute(
                    select(*selected)
                    .where(table.c.capture_id == capture_id, table.c.line > last)
                    .order_by(table.c.line)
                    .limit(size)
                ).all(),
            )
        if not batch:
            return
        yield batch
        last = batch[-1][0]


@dataclass(frozen=True)
class WeekSummary:
    """One week of one tier: the capture readers see at each stage, and how many there were."""

    tier: str
    week_ending: date
    stages: dict[Stage, CaptureInfo]
    captures: int

    @property
    def rows(self) -> int:
        ingest = self.stages.get(Stage.INGEST)
        return 0 if ingest is None else ingest.rows


def list_weeks(conn: Connection, tier: str | None = None) -> list[WeekSummary]:
    """Weeks with at least one published capture, newest week first, per tier."""
    latest: dict[tuple[str, date], dict[Stage, CaptureInfo]] = {}
    counts: dict[tuple[str, date], int] = {}
    for info in _published(conn, *([] if tier is None else [_fc.c.tier == tier])):
        key = (info.tier, info.week_ending)
        latest.setdefault(key, {}).setdefault(info.stage, info)
        counts[key] = counts.get(key, 0) + 1
    return [
        WeekSummary(tier=key[0], week_ending=key[1], stages=stages, captures=counts[key])
        for key, stages in sorted(latest.items(), key=lambda kv: (kv[0][0], kv[0][1]), reverse=True)
    ]


@dataclass(frozen=True)
class VenueVolume:
    mpid: str
    participant_name: str
    shares: int
    trades: int
    share: float


@dataclass(frozen=True)
class SymbolVolume:
    rank: int
    symbol: str
    issue_name: str
    shares: int
    trades: int
    hhi: float
    venues: list[VenueVolume] = field(default_factory=list)


@dataclass(frozen=True)
class WeekSymbols:
    capture: CaptureInfo
    total: int
    symbols: list[SymbolVolume]


def list_week_symbols(
    conn: Connection,
    tier: str,
    week: date,
    *,
    capture_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> WeekSymbols | None:
    """A week's symbols ranked by volume, each with its venues; None if not aggregated.

    With `capture_id`, reads that published aggregate capture instead of the latest.
    """
    if capture_id is None:
        capture = find_latest_capture(conn, Stage.AGGREGATE, tier, week)
    else:
        capture = find_capture(conn, capture_id)
        if capture is not None and (
            capture.stage is not Stage.AGGREGATE
            or capture.tier != tier
            or capture.week_ending != week
        ):
            capture = None
    if capture is None:
        return None
    sw, vs = tables.symbol_weeks, tables.venue_shares
    rows = conn.execute(
        select(sw)
        .where(sw.c.capture_id == capture.capture_id)
        .order_by(sw.c.rank)
        .limit(limit)
        .offset(offset)
    ).all()
    venues: dict[str, list[VenueVolume]] = {}
    if rows:
        for v in conn.execute(
            select(vs)
            .where(vs.c.capture_id == capture.capture_id, vs.c.symbol.in_([r.symbol for r in rows]))
            .order_by(vs.c.symbol, vs.c.shares.desc(), vs.c.mpid)
        ):
            venues.setdefault(v.symbol, []).append(
                VenueVolume(v.mpid, v.participant_name, v.shares, v.trades, v.share)
            )
    symbols = [
        SymbolVolume(
            rank=r.rank,
            symbol=r.symbol,
            issue_name=r.issue_name,
            shares=r.shares,
            trades=r.trades,
            hhi=r.hhi,
            venues=venues.get(r.symbol, []),
        )
        for r in rows
    ]
    return WeekSymbols(capture=capture, total=capture.symbols or 0, symbols=symbols)


@dataclass(frozen=True)
class SymbolWeek:
    """One symbol in one week: volume, rank, concentration, and rolling figures if computed."""

    week_ending: date
    capture_id: str
    rank: int
    shares: int
    trades: int
    venues: int
    hhi: float
    average_shares: float | None = None
    change: float | None = None
    weeks_used: int | None = None


def list_symbol_history(conn: Connection, tier: str, symbol: str) -> list[SymbolWeek]:
    """The symbol across every aggregated week of the tier, oldest week first."""
    symbol = symbol.strip().upper()
    aggregates = {c.capture_id: c for c in list_latest_captures(conn, Stage.AGGREGATE, tier=tier)}
    if not aggregates:
        return []
    rolling_ids = [c.capture_id for c in list_latest_captures(conn, Stage.ROLLING, tier=tier)]
    sw, ro = tables.symbol_weeks, tables.rolling
    rolling = {
        r.week_ending: r
        for r in conn.execute(
            select(ro).where(ro.c.capture_id.in_(rolling_ids), ro.c.symbol == symbol)
        )
    }
    history = []
    for r in conn.execute(
        select(sw).where(sw.c.capture_id.in_(list(aggregates)), sw.c.symbol == symbol)
    ):
        roll = rolling.get(r.week_ending)
        history.append(
            SymbolWeek(
                week_ending=r.week_ending,
                capture_id=r.capture_id,
                rank=r.rank,
                shares=r.shares,
                trades=r.trades,
                venues=r.venues,
                hhi=r.hhi,
                average_shares=None if roll is None else roll.average_shares,
                change=None if roll is None else roll.change,
                weeks_used=None if roll is None else roll.weeks_used,
            )
        )
    return sorted(history, key=lambda h: h.week_ending)


@dataclass(frozen=True)
class CaptureRecord:
    """One capture of a week, published or not: the audit view of what each run wrote."""

    capture_id: str
    stage: Stage
    execution_id: str
    pipeline: str
    created_at: datetime
    published_at: datetime | None
    rows: int | None
    current: bool


def list_week_captures(conn: Connection, tier: str, week: date) -> list[CaptureRecord]:
    """Every capture of the week's stages, newest first; `current` marks what readers see."""
    assets = {stage.asset(tier, week): stage for stage in Stage}
    captures = capture_store.list_captures(conn, *assets)
    rows: dict[str, int] = dict(
        conn.execute(
            select(_fc.c.capture_id, _fc.c.rows).where(
                _fc.c.capture_id.in_([c.capture_id for c in captures])
            )
        ).all()
    )
    current = {
        stage: info.capture_id
        for stage in Stage
        if (info := find_latest_capture(conn, stage, tier, week)) is not None
    }
    return [
        CaptureRecord(
            capture_id=c.capture_id,
            stage=assets[c.asset],
            execution_id=c.execution_id,
            pipeline=c.pipeline,
            created_at=c.created_at,
            published_at=c.published_at,
            rows=rows.get(c.capture_id),
            current=current.get(assets[c.asset]) == c.capture_id,
        )
        for c in captures
    ]
