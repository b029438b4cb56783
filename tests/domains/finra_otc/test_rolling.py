"""compute_rolling on the three real weeks: averages and changes computed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from runplane.domains.finra_otc import tables
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ErrorClass
from tests.domains.finra_otc.support import AGGREGATE, ROLLING, read_figures, run, run_chain

pytestmark = pytest.mark.shared_data


def test_rolling_average_and_week_over_week_change_over_three_weeks(
    sqlite_runtime: ServingRuntime, sqlite_real_weeks: dict[str, Path]
) -> None:
    db = sqlite_runtime.db
    weeks = {w: read_figures(path).shares for w, path in sqlite_real_weeks.items()}
    for week in weeks:
        run_chain(db, week)
    done = run(db, ROLLING, week_ending="2025-12-29")
    assert done.status == "completed", done.error
    assert done.output is not None
    assert done.output["figures"]["weeks_used"] == 3
    assert done.output["figures"]["weeks"] == ["2025-12-15", "2025-12-22", "2025-12-29"]
    with db.read() as conn:
        rows = {
            r.symbol: r
            for r in conn.execute(
                select(tables.rolling).where(tables.rolling.c.capture_id == done.capture_id)
            )
        }
    last, middle, first = weeks["2025-12-29"], weeks["2025-12-22"], weeks["2025-12-15"]
    assert set(rows) == set(last)
    assert done.rows_processed == len(last)

    everywhere = next(s for s in sorted(last) if s in middle and s in first)
    row = rows[everywhere]
    assert row.average_shares == pytest.approx(
        (first[everywhere] + middle[everywhere] + last[everywhere]) / 3
    )
    assert row.previous_shares == middle[everywhere]
    assert row.change == pytest.approx((last[everywhere] - middle[everywhere]) / middle[everywhere])

    newcomer = next(s for s in sorted(last) if s not in middle and s not in first)
    assert rows[newcomer].average_shares == pytest.approx(last[newcomer] / 3)
    assert (rows[newcomer].previous_shares, rows[newcomer].change) == (0, None)
    assert all(r.weeks_used == 3 for r in rows.values())


def test_a_two_week_window_uses_only_the_last_two_weeks(
    sqlite_runtime: ServingRuntime, sqlite_real_weeks: dict[str, Path]
) -> None:
    for week in sqlite_real_weeks:
        run_chain(sqlite_runtime.db, week)
    done = run(sqlite_runtime.db, ROLLING, week_ending="2025-12-29", weeks=2)
    assert done.output is not None
    assert done.output["figures"]["weeks"] == ["2025-12-22", "2025-12-29"]


def test_one_aggregated_week_is_not_enough_and_names_the_week_before(
    sqlite_runtime: ServingRuntime, sqlite_real_weeks: dict[str, Path]
) -> None:
    run_chain(sqlite_runtime.db, "2025-12-29")
    done = run(sqlite_runtime.db, ROLLING, week_ending="2025-12-29")
    assert done.error is not None
    assert done.error.classification == ErrorClass.DEPENDENCY
    assert "needs at least 2 aggregated weeks" in done.error.message
    assert done.error.details == {
        "pipeline": AGGREGATE,
        "params": {"week_ending": "2025-12-22", "tier": "OTC"},
    }
