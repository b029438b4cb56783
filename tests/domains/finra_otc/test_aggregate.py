"""aggregate_week on the real files: totals, venue shares and HHI checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from runplane.domains.finra_otc import tables
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ErrorClass
from tests.domains.finra_otc.support import (
    AGGREGATE,
    INGEST,
    NORMALIZE,
    count,
    read_figures,
    run,
    run_chain,
)

WEEK = "2025-12-22"


@pytest.mark.shared_data
def test_weekly_totals_venue_shares_and_hhi_match_the_file(
    runtime: ServingRuntime, real_weeks: dict[str, Path]
) -> None:
    figures = read_figures(real_weeks[WEEK])
    aggregate = run_chain(runtime.db, WEEK)[-1]
    with runtime.db.read() as conn:
        symbols = {
            r.symbol: r
            for r in conn.execute(
                select(tables.symbol_weeks).where(
                    tables.symbol_weeks.c.capture_id == aggregate.capture_id
                )
            )
        }
        venues = conn.execute(
            select(tables.venue_shares).where(
                tables.venue_shares.c.capture_id == aggregate.capture_id
            )
        ).all()
    assert aggregate.rows_processed == len(symbols) == len(figures.symbols) == 2985
    assert len(venues) == figures.rows

    eari = symbols["EARI"]
    assert (eari.shares, eari.trades, eari.venues, eari.rank) == (87_187_446 + 100, 43, 2, 1)
    assert eari.hhi == pytest.approx((87_187_446 / 87_187_546) ** 2 + (100 / 87_187_546) ** 2)

    spread = max(figures.symbols, key=lambda s: (len(figures.venues[s]), figures.shares[s]))
    assert len(figures.venues[spread]) >= 3
    assert symbols[spread].hhi == pytest.approx(figures.hhi(spread))
    assert symbols[spread].shares == figures.shares[spread]

    assert [s for s, _ in sorted(symbols.items(), key=lambda kv: kv[1].rank)][:20] == (
        figures.ranked()[:20]
    )
    assert sorted(r.rank for r in symbols.values()) == list(range(1, len(symbols) + 1))
    assert all(0 < r.hhi <= 1 for r in symbols.values())
    per_symbol: dict[str, float] = {}
    for v in venues:
        per_symbol[v.symbol] = per_symbol.get(v.symbol, 0.0) + v.share
    assert all(total == pytest.approx(1.0) for total in per_symbol.values())
    assert aggregate.output is not None
    assert "Top symbol by volume: EARI (87.2M shares)" in aggregate.output["summary"]


def test_aggregate_without_a_normalized_week_names_normalize(
    sqlite_runtime: ServingRuntime,
) -> None:
    done = run(sqlite_runtime.db, AGGREGATE, week_ending=WEEK)
    assert done.error is not None
    assert done.error.classification == ErrorClass.DEPENDENCY
    assert done.error.details["pipeline"] == NORMALIZE


@pytest.mark.shared_data
def test_aggregate_refuses_a_normalize_older_than_the_latest_ingest(
    sqlite_runtime: ServingRuntime, sqlite_real_weeks: dict[str, Path]
) -> None:
    db = sqlite_runtime.db
    run_chain(db, WEEK)
    forced = run(db, INGEST, week_ending=WEEK, force=True)
    done = run(db, AGGREGATE, week_ending=WEEK)
    assert done.error is not None
    assert done.error.classification == ErrorClass.DEPENDENCY
    assert f"was ingested again (capture {forced.capture_id})" in done.error.message
    assert done.error.details == {
        "pipeline": NORMALIZE,
        "params": {"week_ending": WEEK, "tier": "OTC"},
    }


@pytest.mark.shared_data
def test_a_dry_run_aggregate_reports_its_figures_and_writes_nothing(
    sqlite_runtime: ServingRuntime, sqlite_real_weeks: dict[str, Path]
) -> None:
    db = sqlite_runtime.db
    run(db, INGEST, week_ending=WEEK)
    run(db, NORMALIZE, week_ending=WEEK)
    done = run(db, AGGREGATE, dry_run=True, week_ending=WEEK)
    assert done.status == "dry_run", done.error
    assert done.rows_processed == len(read_figures(sqlite_real_weeks[WEEK]).symbols)
    assert done.output is not None
    assert done.output["summary"][0].startswith("Dry run: would aggregate 2,985 symbols")
    assert count(db, "finra_otc_symbol_weeks") == count(db, "finra_otc_venue_shares") == 0
