"""The cost summary agrees with the costs recorded on each execution, for the list's ranges
and filters, summed from the hourly counts on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from runplane.model import ExecutionStatus, Trigger
from runplane.model.cost import Cost
from runplane.store import Database
from runplane.store import costs as cost_store
from runplane.store import executions as store
from runplane.views import list_query
from runplane.views.cost_summary import cost_summary, summary_json
from tests.conftest import FakeClock
from tests.factories import make_execution

NOW = datetime(2025, 12, 22, 8, 17, 23, tzinfo=UTC)
PIPELINES = ("runplane.noop", "runplane.sleep", "runplane.fail")
S = ExecutionStatus


def seed(db: Database, rng: random.Random, n: int = 300) -> None:
    """Executions over 40 days: most inserted finished with a cost, some finished later
    through the compare-and-set (as a run's end records it), a few still running."""
    running = []
    with db.write() as conn:
        for _ in range(n):
            created = NOW - timedelta(seconds=rng.randrange(40 * 86_400))
            kind = rng.random()
            common = {
                "created_at": created, "pipeline": rng.choice(PIPELINES),
                "trigger": rng.choice(list(Trigger)),
            }  # fmt: skip
            if kind < 0.25:
                running.append(make_execution(conn, status="running", **common))
                continue
            cost = rng.uniform(0, 2)
            make_execution(
                conn, status=rng.choice([S.COMPLETED, S.FAILED, S.CANCELLED]),
                cost_amount=cost, cpu_seconds=cost * 100, gb_seconds=cost, cost_currency="USD",
                cost_rates_version="vtest", **common,
            )  # fmt: skip
    for execution in running[: len(running) // 2]:
        cost = Cost(rng.uniform(0, 2), "USD", rng.uniform(0, 50), 1.0, "vtest")
        with db.write() as conn:
            assert store.update_status(
                conn, execution.execution_id, S.RUNNING, S.COMPLETED, completed_at=NOW,
                **cost_store.cost_values(cost, 1 << 20),
            )  # fmt: skip


def truth(db: Database, filters: list_query.ListFilters) -> tuple[dict[str, float], int]:
    """Cost by pipeline and the number of executions, read row by row."""
    query = filters.to_store(NOW)
    with db.read() as conn:
        by_pipeline, _ = cost_store.sum_executions(conn, query.where(conn.dialect.name))
    total = sum(s.executions for s in by_pipeline.values())
    return {p: s.cost for p, s in by_pipeline.items()}, total


FILTERS = [
    {"range": "24h"},
    {"range": "30d"},
    {"range": "7d", "status": ["completed"]},
    {"range": "30d", "pipeline": ["runplane.sleep"]},
    {"range": "30d", "trigger": ["scheduled", "api"]},
    {"range": "30d", "pipeline": ["runplane.fail"], "trigger": ["manual"], "status": ["failed"]},
    {"since": "2025-12-01T03:25:00Z", "until": "2025-12-20T11:05:00Z"},
    {"range": "30d", "status": ["running", "completed"]},
]


@pytest.mark.parametrize(
    "raw", FILTERS, ids=lambda raw: ",".join(f"{k}={v}" for k, v in raw.items())
)
def test_the_summary_equals_the_recorded_costs(db: Database, raw: dict[str, object]) -> None:
    seed(db, random.Random(11))
    filters = list_query.parse_filters(**raw)  # type: ignore[arg-type]
    summary = cost_summary(db, filters, currency="USD", clock=FakeClock(NOW))
    costs, executions = truth(db, filters)
    assert executions > 0
    assert {p: pytest.approx(c) for p, c in costs.items()} == {
        p: s.cost for p, s in summary.by_pipeline
    }
    assert summary.total.executions == executions
    assert sum(s.executions for _, s in summary.by_trigger) == executions
    assert summary.total.cost == pytest.approx(sum(costs.values()))


def test_the_summary_json_ranks_the_costliest_first(db: Database) -> None:
    seed(db, random.Random(5))
    filters = list_query.parse_filters(range="30d")
    body = summary_json(cost_summary(db, filters, currency="EUR", clock=FakeClock(NOW)))
    assert body["currency"] == "EUR"
    costs = [row["cost"] for row in body["by_pipeline"]]
    assert costs == sorted(costs, reverse=True)
    assert {row["trigger"] for row in body["by_trigger"]} <= {str(t) for t in Trigger}
    assert body["filters"]["range"] == "30d"
    assert body["total"]["cost"] == pytest.approx(sum(costs))
