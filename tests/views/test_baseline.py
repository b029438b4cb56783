"""The baseline of an execution: which runs it is made of (the last 20 successes of the same
pipeline and parameters class before it), its arithmetic, its flag and its words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

from runplane.model import Execution
from runplane.pipelines import Params, pipeline
from runplane.store import Database
from runplane.views.baseline import (
    Baseline,
    Measure,
    baseline_from_json,
    baseline_json,
    baseline_lines,
    class_params,
    load_baseline,
    p90,
)
from tests.factories import make_execution

T0 = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
PARAMS = {"region": "emea", "day": "2025-12-01", "since": None, "verbose": False}


def run(
    conn: Connection, hour: int, seconds: float, *, rows: int | None = 100, **overrides: Any
) -> Execution:
    """A run of tests.readings created `hour` hours after T0 that took `seconds`."""
    created = T0 + timedelta(hours=hour)
    values: dict[str, Any] = {
        "pipeline": "tests.readings",
        "params": PARAMS,
        "created_at": created,
        "started_at": created,
        "completed_at": created + timedelta(seconds=seconds),
        "rows_processed": rows,
    }
    return make_execution(conn, **(values | overrides))


def history(conn: Connection, durations: list[float]) -> None:
    for hour, seconds in enumerate(durations):
        run(conn, hour, seconds)


def baseline_of(db: Database, execution: Execution) -> Baseline:
    with db.read() as conn:
        return load_baseline(conn, execution)


@pytest.mark.parametrize("previous", [0, 2])
def test_below_three_runs_there_is_not_enough_history(db: Database, previous: int) -> None:
    with db.write() as conn:
        history(conn, [60.0] * previous)
        this = run(conn, 100, 130.0)
    baseline = baseline_of(db, this)
    assert baseline.runs == previous
    assert not baseline.enough
    assert baseline.outside_p90 == []
    assert baseline_lines(baseline) == [f"not enough history ({previous} of 3 successful runs)"]
    body = baseline_json(baseline)
    assert body is not None
    assert body["runs"] == previous
    assert baseline_from_json(body) == baseline
    assert [body[m] for m in ("duration", "rows", "peak_rss", "cost")] == [None] * 4


def test_three_runs_give_a_median_and_p90(db: Database) -> None:
    with db.write() as conn:
        history(conn, [60.0, 70.0, 80.0])
        this = run(conn, 100, 130.0, rows=112)
    baseline = baseline_of(db, this)
    took = baseline.measures["duration"]
    assert baseline.runs == 3
    assert baseline_from_json(baseline_json(baseline)) == baseline
    assert took == Measure(value=130.0, median=70.0, p90=78.0)
    assert took.delta_pct == 85.7
    assert baseline.measures["rows"] == Measure(value=112, median=100, p90=100)
    assert baseline.outside_p90 == ["duration", "rows"]


def test_peak_memory_and_cost_compare_as_recorded_at_each_end(db: Database) -> None:
    with db.write() as conn:
        for hour, (peak, cost) in enumerate([(100e6, 0.01), (200e6, 0.02), (300e6, 0.03)]):
            run(conn, hour, 60.0, peak_rss_bytes=int(peak), cost_amount=cost, cost_currency="USD")
        this = run(
            conn, 100, 60.0, peak_rss_bytes=int(900e6), cost_amount=0.02, cost_currency="USD"
        )
    baseline = baseline_of(db, this)
    assert baseline.measures["peak_rss"] == Measure(value=900e6, median=200e6, p90=280e6)
    cost = baseline.measures["cost"]
    assert cost is not None
    assert (cost.value, cost.median, cost.p90) == (0.02, 0.02, pytest.approx(0.028))
    assert baseline.outside_p90 == ["peak_rss"]
    lines = baseline_lines(baseline)
    assert "peak memory +350 % vs median (900 MB vs 200 MB), above the p90 of 280 MB" in lines
    assert "cost as the median (0.02 vs 0.02)" in lines


def test_twenty_runs_make_the_window_and_older_ones_do_not_count(db: Database) -> None:
    with db.write() as conn:
        history(conn, [600.0] * 5 + [60.0] * 20)  # the five oldest would double the median
        this = run(conn, 100, 66.0)
    baseline = baseline_of(db, this)
    assert baseline.runs == 20
    assert baseline.measures["duration"] == Measure(value=66.0, median=60.0, p90=60.0)


def test_exactly_twenty_previous_runs_all_count(db: Database) -> None:
    with db.write() as conn:
        history(conn, [float(s) for s in range(10, 210, 10)])
        this = run(conn, 100, 100.0)
    baseline = baseline_of(db, this)
    assert baseline.runs == 20
    took = baseline.measures["duration"]
    assert took is not None
    assert (took.median, took.p90) == (105.0, 181.0)
    assert baseline.outside_p90 == []


def test_only_earlier_successes_of_the_same_pipeline_and_class_count(db: Database) -> None:
    with db.write() as conn:
        history(conn, [60.0, 60.0])
        run(conn, 10, 999.0, status="failed")
        run(conn, 11, 999.0, status="cancelled")
        run(conn, 12, 999.0, status="dry_run", dry_run=True)
        run(conn, 13, 999.0, pipeline="tests.by_region")
        run(conn, 14, 999.0, params=PARAMS | {"region": "apac"})
        this = run(conn, 20, 60.0)
        run(conn, 30, 999.0)  # after it
    baseline = baseline_of(db, this)
    assert baseline.runs == 2
    with db.write() as conn:
        last = run(conn, 15, 60.0, params=PARAMS | {"day": "2025-12-15"})  # dates do not count
    baseline = baseline_of(db, this)
    assert baseline.runs == 3
    assert baseline.last_success == last.execution_id
    assert baseline.measures["duration"] == Measure(value=60.0, median=60.0, p90=60.0)


def test_the_class_leaves_dates_out_unless_the_pipeline_names_its_parameters() -> None:
    params = PARAMS | {"since": "2025-12-01T00:00:00Z", "verbose": True}
    assert class_params("tests.readings", params) == {"region": "emea", "verbose": True}
    assert class_params("tests.by_region", params) == {"region": "emea"}
    assert class_params("no.such_pipeline", {"x": 1}) == {"x": 1}


def test_a_named_class_groups_runs_whatever_their_other_parameters(db: Database) -> None:
    with db.write() as conn:
        for hour in range(3):
            run(conn, hour, 60.0, pipeline="tests.by_region", params=PARAMS | {"verbose": True})
        this = run(conn, 10, 60.0, pipeline="tests.by_region")
    assert baseline_of(db, this).runs == 3


def test_baseline_params_must_name_parameters() -> None:
    class Few(Params):
        region: str = "emea"

    with pytest.raises(ValueError, match="baseline_params names no parameter"):
        pipeline("tests.bad_class", description="x", params=Few, baseline_params=("regoin",))


def test_p90_interpolates_between_the_closest_ranks() -> None:
    assert p90([1.0, 2.0, 3.0]) == pytest.approx(2.8)
    assert p90([float(n) for n in range(1, 11)]) == pytest.approx(9.1)
    assert p90([5.0, 5.0, 5.0]) == 5.0


def enough(took: Measure | None, rows: Measure | None) -> Baseline:
    return Baseline(5, {}, {"duration": took, "rows": rows}, None)


def test_the_words_say_slower_faster_and_rows_against_the_median() -> None:
    slower = enough(Measure(130.0, 70.0, 100.0), Measure(112, 100, 120))
    assert baseline_lines(slower) == [
        "+86 % slower than usual (2m 10s vs 1m 10s median), above the p90 of 1m 40s",
        "rows +12 % vs median (112 vs 100)",
    ]
    faster = enough(Measure(49.0, 70.0, 100.0), Measure(92, 100, 120))
    assert baseline_lines(faster) == [
        "30 % faster than usual (49s vs 1m 10s median)",
        "rows -8 % vs median (92 vs 100)",
    ]
    usual = enough(Measure(70.0, 70.0, 80.0), Measure(100, 100, 100))
    assert baseline_lines(usual) == [
        "as fast as usual (1m 10s vs 1m 10s median)",
        "rows as the median (100 vs 100)",
    ]
    assert slower.outside_p90 == ["duration"]
    from_zero = enough(Measure(0.5, 0.0, 0.0), Measure(5, 0, 0))
    assert baseline_lines(from_zero) == [
        "slower than usual (0.5s vs 0.0s median), above the p90 of 0.0s",
        "rows more than the median (5 vs 0), above the p90 of 0",
    ]


def test_a_value_above_the_p90_is_flagged_and_one_at_it_is_not() -> None:
    assert Measure(101.0, 70.0, 100.0).outside_p90
    assert not Measure(100.0, 70.0, 100.0).outside_p90
    assert not Measure(None, 70.0, 100.0).outside_p90
    assert Measure(None, 70.0, 100.0).delta_pct is None
    assert Measure(5.0, 0.0, 0.0).delta_pct is None
