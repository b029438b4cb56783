"""SQLite's choice of what to walk for a parameter filter: the span the values were
recorded in, and the cheaper of the side table's index and the executions' own, so the
answers stay those of the filter whatever is walked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from runplane.model import ExecutionStatus
from runplane.model.param_filters import ParamMatch
from runplane.store import Database
from runplane.store import executions as store
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
FAILED = frozenset({ExecutionStatus.FAILED})


def _history(
    db: Database, count: int, params: Any, status: Any = lambda i: "completed"
) -> list[str]:
    with db.write() as conn:
        return [
            make_execution(
                conn, params=params(i), status=status(i), created_at=T0 + timedelta(minutes=i)
            ).execution_id
            for i in range(count)
        ]


def _plan(db: Database, query: store.ExecutionFilter) -> Any:
    with db.read() as conn:
        return store.plan_filter(conn, query)


def _ids(db: Database, query: store.ExecutionFilter, plan: Any = None) -> tuple[list[str], int]:
    with db.read() as conn:
        keys = store.list_execution_keys(conn, query, limit=500, plan=plan)
        counted, _ = store.count_matching(conn, query, cap=1000, plan=plan)
    return [key[0] for key in keys], sum(counted.values())


def test_the_window_narrows_to_the_span_the_values_were_recorded_in(sqlite_db: Database) -> None:
    _history(sqlite_db, 30, lambda i: {"day": "2025-12-22" if 10 <= i < 20 else "2025-12-29"})
    match = ParamMatch("day", ("2025-12-22",))
    chosen = _plan(sqlite_db, store.ExecutionFilter(params=(match,), since=T0 - timedelta(days=1)))
    assert (chosen.since, chosen.last) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=19))
    assert not chosen.empty


def test_a_value_never_recorded_in_the_window_matches_nothing_at_once(sqlite_db: Database) -> None:
    _history(sqlite_db, 5, lambda i: {"day": "2025-12-22"})
    query = store.ExecutionFilter(params=(ParamMatch("day", ("2025-12-29",)),))
    assert _plan(sqlite_db, query).empty
    assert _ids(sqlite_db, query) == ([], 0)
    late = store.ExecutionFilter(
        params=(ParamMatch("day", ("2025-12-22",)),), since=T0 + timedelta(hours=1)
    )
    assert _plan(sqlite_db, late).empty


def test_two_parameters_recorded_in_disjoint_spans_match_nothing(sqlite_db: Database) -> None:
    _history(sqlite_db, 10, lambda i: {"day": "2025-12-22"} if i < 5 else {"tier": "OTC"})
    query = store.ExecutionFilter(
        params=(ParamMatch("day", ("2025-12-22",)), ParamMatch("tier", ("OTC",)))
    )
    assert _plan(sqlite_db, query).empty


def test_a_rare_value_walks_its_index_and_a_common_one_the_executions(sqlite_db: Database) -> None:
    made = _history(sqlite_db, 400, lambda i: {"day": "2025-12-22", "n": i % 100})
    rare = store.ExecutionFilter(params=(ParamMatch("n", ("7",)),))
    common = store.ExecutionFilter(params=(ParamMatch("day", ("2025-12-22",)),))
    assert _plan(sqlite_db, rare).driver == ParamMatch("n", ("7",))
    assert _plan(sqlite_db, common).driver is None
    assert _ids(sqlite_db, rare) == ([made[i] for i in (307, 207, 107, 7)], 4)
    assert _ids(sqlite_db, common) == (made[::-1], 400)


def test_a_rare_status_walks_the_executions_testing_each_parameter(sqlite_db: Database) -> None:
    made = _history(
        sqlite_db, 400, lambda i: {"day": "2025-12-22", "tier": "OTC" if i % 2 else "NMS"},
        status=lambda i: "failed" if i % 50 == 1 else "completed",
    )  # fmt: skip
    query = store.ExecutionFilter(
        params=(ParamMatch("day", ("2025-12-22",)), ParamMatch("tier", ("OTC",))), statuses=FAILED
    )
    assert _plan(sqlite_db, query).driver is None
    wanted = [made[i] for i in range(399, -1, -1) if i % 50 == 1]
    assert _ids(sqlite_db, query) == (wanted, len(wanted))


def test_either_walk_gives_the_same_page_and_count(sqlite_db: Database) -> None:
    made = _history(
        sqlite_db, 300, lambda i: {"day": "2025-12-22", "n": i % 3, "tier": ["OTC", "NMS"][i % 2]},
        status=lambda i: "failed" if i % 4 == 0 else "completed",
    )  # fmt: skip
    matches = (ParamMatch("n", ("1", "2.0")), ParamMatch("tier", ("OTC",)))
    query = store.ExecutionFilter(params=matches, statuses=FAILED)
    wanted = [made[i] for i in range(299, -1, -1) if i % 3 and i % 4 == 0]  # OTC: even
    chosen = _plan(sqlite_db, query)
    for driver in (None, *matches):
        forced = replace(chosen, driver=driver)
        assert _ids(sqlite_db, query, forced) == (wanted, len(wanted)), driver
    query = store.ExecutionFilter(params=matches)
    wanted = [made[i] for i in range(299, -1, -1) if i % 3 and i % 2 == 0]
    for driver in (None, *matches):
        forced = replace(_plan(sqlite_db, query), driver=driver)
        assert _ids(sqlite_db, query, forced) == (wanted, len(wanted)), driver
