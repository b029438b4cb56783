"""normalize_week through the real executor: rejects by line and reason, keeps the rest,
counts new symbols, and names ingest_week when the week was never ingested."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from runplane.domains.finra_otc import tables
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.synthetic import write_week
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ErrorClass
from runplane.settings import Settings
from tests.domains.finra_otc.support import INGEST, NORMALIZE, count, read_figures, run

WEEK = "2025-12-22"


@pytest.mark.shared_data
def test_the_real_last_week_loses_exactly_its_row_with_an_empty_symbol(
    runtime: ServingRuntime, real_weeks: dict[str, Path]
) -> None:
    figures = read_figures(real_weeks["2025-12-29"])
    assert figures.bad_lines == [4656]
    assert run(runtime.db, INGEST, week_ending="2025-12-29").status == "completed"
    done = run(runtime.db, NORMALIZE, week_ending="2025-12-29", tier="OTC")
    assert done.status == "completed", done.error
    assert done.rows_processed == figures.rows - 1 == 4654
    assert done.output is not None
    assert done.output["figures"]["rows_rejected"] == 1
    assert done.output["figures"]["symbols"] == len(figures.symbols) == 2714
    assert "Rejected 1 row: line 4656 (empty symbol)" in done.output["summary"]
    assert count(runtime.db, "finra_otc_weekly_rows", done.capture_id) == 4654
    with runtime.db.read() as conn:
        rejects = conn.execute(select(tables.rejected_rows)).all()
    assert [(r.capture_id, r.line, r.reason) for r in rejects] == [
        (done.capture_id, 4656, "empty symbol")
    ]
    assert rejects[0].content.startswith("OTC|||PPEX")


@pytest.mark.shared_data
def test_new_symbols_are_those_no_earlier_week_of_the_tier_had(
    sqlite_runtime: ServingRuntime, sqlite_real_weeks: dict[str, Path]
) -> None:
    first = read_figures(sqlite_real_weeks["2025-12-15"]).symbols
    second = read_figures(sqlite_real_weeks[WEEK]).symbols
    db = sqlite_runtime.db
    for week in ("2025-12-15", WEEK):
        run(db, INGEST, week_ending=week)
    later_first = run(db, NORMALIZE, week_ending=WEEK)
    earlier = run(db, NORMALIZE, week_ending="2025-12-15")
    again = run(db, NORMALIZE, week_ending=WEEK)
    for done, expected in (
        (later_first, len(second)),
        (earlier, len(first)),
        (again, len(second - first)),
    ):
        assert done.output is not None
        assert done.output["figures"]["symbols_added"] == expected
        assert f"New symbols added: {expected:,}" in done.output["summary"]
    assert len(second - first) == 651
    top = max(read_figures(sqlite_real_weeks[WEEK]).shares.items(), key=lambda kv: kv[1])
    assert top[0] == "EARI"
    assert again.output is not None
    assert "Top symbol by volume: EARI (87.2M shares)" in again.output["summary"]


def test_row_problems_reject_only_their_rows(
    sqlite_runtime: ServingRuntime, sqlite_settings: Settings
) -> None:
    path = sqlite_settings.data_dir / "finra-otc" / "OTC" / f"{WEEK}.psv"
    write_week(path, tier=MarketTier.OTC, week_ending=date(2025, 12, 22), rows=20, seed=3)
    bad = [
        "OTC|ZZAA|Bad Volume (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|12x|1|2025-12-22",
        "OTC|ZZAB|Short (synthetic)|OTCN OTC LINK NQB IDQS",
        "OTC||No Symbol (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|10|1|2025-12-22",
        "OTC|ZZAC|Twice (synthetic)|OTCX OTC LINK ECN ATS|OTCX|10|1|2025-12-22",
        "OTC|ZZAC|Twice (synthetic)|OTCX OTC LINK ECN ATS|OTCX|11|1|2025-12-22",
        "OTC|ZZAD|Blank Date (synthetic)|OTCX OTC LINK ECN ATS|OTCX|11|1|",
    ]
    with path.open("a") as handle:
        handle.write("\n".join(bad))
    assert run(sqlite_runtime.db, INGEST, week_ending=WEEK).status == "completed"
    done = run(sqlite_runtime.db, NORMALIZE, week_ending=WEEK)
    assert done.status == "completed", done.error
    with sqlite_runtime.db.read() as conn:
        rejects = [(r.line, r.reason) for r in conn.execute(select(tables.rejected_rows))]
    assert rejects == [
        (22, "totalWeeklyShareQuantity '12x' is not a whole number of at most 19 digits"),
        (23, "expected 8 fields, found 4"),
        (24, "empty symbol"),
        (26, "repeats symbol ZZAC at venue OTCX (line 25)"),
        (27, "empty lastUpdateDate"),
    ]
    assert done.rows_processed == 21
    assert count(sqlite_runtime.db, "finra_otc_weekly_rows", done.capture_id) == 21
    assert done.output is not None
    assert done.output["figures"]["rejected_lines"] == [22, 23, 24, 26, 27]


def test_normalize_without_a_published_ingest_names_the_ingest_to_run(
    sqlite_runtime: ServingRuntime,
) -> None:
    done = run(sqlite_runtime.db, NORMALIZE, week_ending=WEEK, tier="NMS_TIER_2")
    assert done.status == "failed"
    assert done.error is not None
    assert done.error.classification == ErrorClass.DEPENDENCY
    assert done.error.message == (f"NMS_TIER_2 week ending {WEEK} has no published ingest")
    expected = {"week_ending": WEEK, "tier": "NMS_TIER_2"}
    assert done.error.details == {"pipeline": INGEST, "params": expected}
    assert done.error.suggested_actions[0].run == {"pipeline": INGEST, "params": expected}


@pytest.mark.shared_data
def test_a_dry_run_reports_the_rejects_it_would_record_and_writes_nothing(
    runtime: ServingRuntime, real_weeks: dict[str, Path]
) -> None:
    run(runtime.db, INGEST, week_ending="2025-12-29")
    done = run(runtime.db, NORMALIZE, dry_run=True, week_ending="2025-12-29")
    assert done.status == "dry_run", done.error
    assert done.rows_processed == 4654
    assert done.output is not None
    assert done.output["figures"]["rows_rejected"] == 1
    for table in ("finra_otc_weekly_rows", "finra_otc_rejected_rows"):
        assert count(runtime.db, table) == 0
    assert count(runtime.db, "finra_otc_captures") == 1
