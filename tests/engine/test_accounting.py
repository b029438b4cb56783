"""Real runs record their cost when they end: CPU seconds from the OS accounting (so a run
shorter than one sample has them), a child process's CPU included, and the rates' version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runplane.engine.service import cancel_execution, submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import EventKind, Execution, ExecutionStatus, Trigger
from runplane.model.cost import Rates, Usage, price
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from tests.conftest import fast_settings, wait_for_final, wait_until

RATES = {"cost_cpu_hour": 36.0, "cost_gb_hour": 3.6, "cost_currency": "EUR"}


@pytest.fixture
def runtime_with(tmp_path: Path, database_url: str) -> Iterator[ServingRuntime]:
    """A runtime whose sampler never samples a short run (one sample a minute)."""
    settings = fast_settings(tmp_path, database_url, resource_sample_interval=60.0, **RATES)
    db = Database(database_url)
    serving = ServingRuntime(db, settings)
    serving.start()
    yield serving
    serving.stop()
    db.dispose()


def run(db: Database, pipeline: str, **params: object) -> Execution:
    execution = submit_execution(
        db, pipeline, dict(params), trigger=Trigger.API, triggered_by="local"
    )
    return wait_for_final(db, execution.execution_id)


def test_a_run_shorter_than_one_sample_has_its_cpu_seconds(
    runtime_with: ServingRuntime,
) -> None:
    final = run(runtime_with.db, "tests.burn", seconds=0.05)
    assert final.status is ExecutionStatus.COMPLETED
    cost = final.cost
    assert cost is not None
    assert cost.cpu_seconds >= 0.05
    assert cost.gb_seconds > 0
    assert final.peak_rss_bytes is not None
    assert final.peak_rss_bytes > 10 * 1024 * 1024
    rates = Rates(36.0, 3.6, "EUR")
    assert cost.currency == "EUR"
    assert cost.rates_version == rates.version
    assert cost.amount == pytest.approx(price(Usage(cost.cpu_seconds, cost.gb_seconds), rates))


def test_a_child_process_it_waited_for_counts_in_its_cpu_seconds(
    runtime_with: ServingRuntime,
) -> None:
    final = run(runtime_with.db, "tests.burn", seconds=0, child_seconds=0.6)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.cpu_seconds is not None
    assert final.cpu_seconds >= 0.6


def test_the_end_event_keeps_the_rates_the_cost_was_computed_with(
    runtime_with: ServingRuntime,
) -> None:
    final = run(runtime_with.db, "runplane.noop")
    with runtime_with.db.read() as conn:
        events = event_store.list_events(conn, final.execution_id)
    completed = [e for e in events if e.kind is EventKind.COMPLETED]
    assert completed[0].detail["rates"] == {
        "cpu_hour": 36.0, "gb_hour": 3.6, "currency": "EUR", "version": final.cost_rates_version,
    }  # fmt: skip


def test_a_cancelled_run_is_priced_from_its_waited_for_exit(
    runtime_with: ServingRuntime,
) -> None:
    db = runtime_with.db
    execution = submit_execution(
        db, "tests.burn", {"seconds": 30}, trigger=Trigger.API, triggered_by="local"
    )

    def burning() -> bool:
        with db.read() as conn:
            return store.get_execution(conn, execution.execution_id).pid is not None

    wait_until(burning, what="the run to start")
    cancel_execution(db, execution.execution_id, by="user:test", grace_seconds=0.2)
    final = wait_for_final(db, execution.execution_id)
    assert final.status is ExecutionStatus.CANCELLED
    assert final.cost is not None
    assert final.cost.cpu_seconds > 0


def test_new_rates_price_new_runs_and_leave_recorded_costs_alone(
    tmp_path: Path, database_url: str
) -> None:
    db = Database(database_url)
    costs = []
    for cpu_hour in (36.0, 72.0):
        settings: Settings = fast_settings(
            tmp_path, database_url, resource_sample_interval=60.0,
            **(RATES | {"cost_cpu_hour": cpu_hour}),
        )  # fmt: skip
        serving = ServingRuntime(db, settings)
        serving.start()
        try:
            costs.append(run(db, "tests.burn", seconds=0.05))
        finally:
            serving.stop()
    first, second = costs
    with db.read() as conn:
        again = store.get_execution(conn, first.execution_id)
    db.dispose()
    assert again.cost == first.cost  # the rates changed, the recorded figure did not
    assert first.cost_rates_version == Rates(36.0, 3.6, "EUR").version
    assert second.cost_rates_version == Rates(72.0, 3.6, "EUR").version
    assert first.cost_rates_version != second.cost_rates_version
