"""Data-asset queries: readers see the latest published capture; earlier ones stay readable
by id; unpublished ones are invisible. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from runplane.domains.finra_otc import queries, tables
from runplane.domains.finra_otc.stages import Stage
from runplane.engine.serving.runtime import ServingRuntime
from runplane.store import Database
from runplane.store import captures as capture_store
from tests.domains.finra_otc.support import INGEST, NORMALIZE, read_figures, run, run_chain

WEEK = date(2025, 12, 22)
T0 = datetime(2025, 12, 23, 8, 0, tzinfo=UTC)


def _aggregate_capture(db: Database, capture_id: str, shares: int, *, publish: bool) -> None:
    """An aggregate capture of WEEK holding one symbol, as aggregate_week would write it."""
    with db.write() as conn:
        capture_store.insert_capture(
            conn,
            capture_id=capture_id,
            asset=Stage.AGGREGATE.asset("OTC", WEEK),
            execution_id=f"exec-{capture_id}",
            pipeline=Stage.AGGREGATE.pipeline,
            at=T0,
        )
        conn.execute(
            insert(tables.captures).values(
                capture_id=capture_id,
                stage="aggregate",
                tier="OTC",
                week_ending=WEEK,
                rows=1,
                rows_rejected=0,
                symbols=1,
            )
        )
        conn.execute(
            insert(tables.symbol_weeks).values(
                capture_id=capture_id,
                symbol="SYNT",
                tier="OTC",
                week_ending=WEEK,
                issue_name="Synt Corp (synthetic)",
                shares=shares,
                trades=1,
                venues=1,
                hhi=1.0,
                rank=1,
            )
        )
        conn.execute(
            insert(tables.venue_shares).values(
                capture_id=capture_id,
                symbol="SYNT",
                mpid="OTCN",
                participant_name="OTCN OTC LINK NQB IDQS",
                shares=shares,
                trades=1,
                share=1.0,
            )
        )
        if publish:
            capture_store.publish_captures(conn, f"exec-{capture_id}", T0 + timedelta(minutes=1))


def _shares(db: Database, capture_id: str | None = None) -> int | None:
    with db.read() as conn:
        found = queries.list_week_symbols(conn, "OTC", WEEK, capture_id=capture_id)
    return None if found is None else found.symbols[0].shares


def test_readers_see_the_latest_published_capture_and_earlier_ones_by_id(db: Database) -> None:
    assert _shares(db) is None
    _aggregate_capture(db, "cap_20251223_080000_aaaaaa", 100, publish=True)
    _aggregate_capture(db, "cap_20251223_090000_bbbbbb", 200, publish=False)
    assert _shares(db) == 100
    assert _shares(db, "cap_20251223_090000_bbbbbb") is None
    with db.write() as conn:
        capture_store.publish_captures(
            conn, "exec-cap_20251223_090000_bbbbbb", T0 + timedelta(hours=1)
        )
    assert _shares(db) == 200
    assert _shares(db, "cap_20251223_080000_aaaaaa") == 100
    with db.read() as conn:
        (week,) = queries.list_weeks(conn, "OTC")
        history = queries.list_week_captures(conn, "OTC", WEEK)
    assert (week.week_ending, week.captures) == (WEEK, 2)
    assert week.stages[Stage.AGGREGATE].capture_id == "cap_20251223_090000_bbbbbb"
    assert [(c.capture_id, c.current) for c in history] == [
        ("cap_20251223_090000_bbbbbb", True),
        ("cap_20251223_080000_aaaaaa", False),
    ]


def test_a_capture_id_of_another_week_is_not_read_as_this_week(db: Database) -> None:
    _aggregate_capture(db, "cap_20251223_080000_aaaaaa", 100, publish=True)
    with db.read() as conn:
        assert (
            queries.list_week_symbols(
                conn, "OTC", date(2025, 12, 29), capture_id="cap_20251223_080000_aaaaaa"
            )
            is None
        )


@pytest.mark.shared_data
def test_weeks_symbols_history_and_captures_after_real_runs(
    runtime: ServingRuntime, real_weeks: dict[str, Path]
) -> None:
    db = runtime.db
    run_chain(db, "2025-12-15")
    original = run_chain(db, "2025-12-22")[0]
    lines = real_weeks["2025-12-22"].read_text().splitlines(keepends=True)
    mixed = real_weeks["2025-12-22"].with_name("mixed.psv")
    mixed.write_text("".join([*lines[:2], lines[2].replace("2025-12-22", "2025-12-29")]))
    failed = run(db, INGEST, week_ending="2025-12-22", force=True, source="finra-otc/OTC/mixed.psv")
    assert failed.status == "failed"
    forced = run(db, INGEST, week_ending="2025-12-22", force=True)
    second = read_figures(real_weeks["2025-12-22"])

    with db.read() as conn:
        weeks = queries.list_weeks(conn, "OTC")
        symbols = queries.list_week_symbols(conn, "OTC", WEEK, limit=3)
        page_two = queries.list_week_symbols(conn, "OTC", WEEK, limit=3, offset=3)
        eari = queries.list_symbol_history(conn, "OTC", "eari")
        captures = queries.list_week_captures(conn, "OTC", WEEK)

    assert [w.week_ending for w in weeks] == [WEEK, date(2025, 12, 15)]
    assert weeks[0].rows == second.rows
    assert weeks[0].stages[Stage.INGEST].capture_id == forced.capture_id
    assert weeks[0].stages[Stage.NORMALIZE].rows == second.rows
    assert weeks[0].stages[Stage.AGGREGATE].symbols == len(second.symbols)
    assert weeks[0].captures == 4

    assert symbols is not None
    assert page_two is not None
    assert symbols.total == len(second.symbols)
    ranked = second.ranked()
    assert [s.symbol for s in symbols.symbols + page_two.symbols] == ranked[:6]
    top = symbols.symbols[0]
    assert [(v.mpid, v.shares) for v in top.venues] == sorted(
        second.venues[top.symbol].items(), key=lambda kv: -kv[1]
    )

    first = read_figures(real_weeks["2025-12-15"])
    assert [(h.week_ending, h.shares) for h in eari] == [
        (date(2025, 12, 15), first.shares["EARI"]),
        (WEEK, second.shares["EARI"]),
    ]

    ingests = [c for c in captures if c.stage is Stage.INGEST]
    assert [(c.capture_id, c.current, c.published_at is not None) for c in ingests] == [
        (forced.capture_id, True, True),
        (failed.capture_id, False, False),
        (original.capture_id, False, True),
    ]
    normalize = next(c for c in captures if c.stage is Stage.NORMALIZE)
    assert normalize.pipeline == NORMALIZE
    assert normalize.rows == second.rows
