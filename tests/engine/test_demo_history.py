"""The demo's synthetic history: backdated, ended records written through the store, with
the hourly counts, events and a log that says they never ran; nothing written from a bad one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runplane.cli import demo_past
from runplane.domains.finra_otc import demo_history as finra_history
from runplane.engine.demo_history import LABEL, write_history
from runplane.model import Execution, ExecutionStatus
from runplane.model.cost import RateCard, Rates
from runplane.pipelines.errors import TransientError
from runplane.plugins import DemoPast
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store import schedules as schedule_store
from tests.support.param_index import assert_params_indexed

NOW = datetime(2025, 12, 23, 15, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def all_executions(db: Database) -> list[Execution]:
    with db.read() as conn:
        return store.list_executions(conn, store.ExecutionFilter(), limit=1000)


def test_a_history_is_written_backdated_ended_counted_and_labelled(db: Database) -> None:
    error = TransientError(
        "HTTP 503 from https://x.example", url="https://x.example", status_code=503
    )
    history = [
        DemoPast("runplane.sleep", {"seconds": 90}, NOW - 3 * DAY, 90.6, schedule="nightly", rows=0),
        DemoPast("runplane.fail", {"error": "transient"}, NOW - 2 * DAY, 30.0, "failed", error=error, schedule="nightly"),
        DemoPast("runplane.fail", {"error": "transient"}, NOW - 2 * DAY + timedelta(minutes=1), 1.0, "completed", retry_of=1, rows=0),
        DemoPast("runplane.sleep", {"seconds": 600}, NOW - DAY, 47.5, "cancelled", "manual"),
        DemoPast("runplane.noop", {}, NOW - DAY, 0.2, "dry_run", "api"),
        DemoPast("runplane.sleep", {"seconds": 90}, NOW - DAY, 37.0, "failed", "manual"),
    ]  # fmt: skip
    counts = write_history(db, history, now=NOW, actor="user:ana")
    assert counts == {"completed": 2, "failed": 2, "cancelled": 1, "dry_run": 1}
    with db.read() as conn:  # whole past hours are summed from the hourly counts
        totals = store.count_by_status(conn, store.ExecutionFilter(since=NOW - 4 * DAY, until=NOW))
    assert {str(s): n for s, n in totals.items() if n} == counts
    assert assert_params_indexed(db) >= 6  # the past is filterable by parameter too
    runs = {(e.pipeline, e.attempt, str(e.status)): e for e in all_executions(db)}
    nightly = runs[("runplane.sleep", 1, "completed")]
    assert nightly.created_at == NOW - 3 * DAY
    assert nightly.triggered_by == "schedule:nightly"
    assert nightly.duration_seconds == pytest.approx(90.6)
    assert nightly.output is not None
    assert nightly.output["figures"]["synthetic"] is True
    first, retry = runs[("runplane.fail", 1, "failed")], runs[("runplane.fail", 2, "completed")]
    assert first.error is not None
    assert first.error.classification == "transient"
    assert retry.retry_of == first.execution_id
    assert retry.triggered_by == f"auto-retry:{first.execution_id}"
    assert str(retry.trigger) == "scheduled"
    assert runs[("runplane.sleep", 1, "cancelled")].cancel_requested_by == "user:ana"
    assert runs[("runplane.noop", 1, "dry_run")].triggered_by == "local"  # the API's caller
    lost = runs[("runplane.sleep", 1, "failed")]
    assert lost.error is not None
    assert lost.error.classification == "worker_lost"
    with db.read() as conn:
        log = log_store.list_log_lines(conn, first.execution_id)
        kinds = [ev.kind for ev in event_store.list_events(conn, first.execution_id)]
    assert log[0].message == LABEL
    assert log[0].at == first.created_at
    assert any(line.level == "ERROR" and "HTTP 503" in line.message for line in log)
    assert kinds == ["created", "started", "failed", "retried"]
    with db.read() as conn:  # what a schedule shows as its last fire
        fires = schedule_store.list_fires(conn, "nightly")
    assert [(f.scheduled_for, f.execution_id) for f in fires] == [
        (first.created_at, first.execution_id),
        (nightly.created_at, nightly.execution_id),
    ]


def test_an_entry_ending_after_now_writes_nothing(db: Database) -> None:
    history = [
        DemoPast("runplane.noop", {}, NOW - DAY, 0.1, rows=0),
        DemoPast("runplane.sleep", {"seconds": 90}, NOW - timedelta(seconds=30), 90.0, rows=0),
    ]
    with pytest.raises(ValueError, match="ends after now"):
        write_history(db, history, now=NOW, actor="user:ana")
    assert all_executions(db) == []


def test_the_demos_history_covers_30_days_every_trigger_and_failure_class(db: Database) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for past in (demo_past.history(now), finra_history.history(now, "OTC")):
        write_history(db, past, now=now, actor="user:ana")
    runs = all_executions(db)
    assert len(runs) >= 60
    assert now - min(e.created_at for e in runs) >= 29 * DAY
    assert {str(e.trigger) for e in runs} == {"scheduled", "manual", "api"}
    classes = {str(e.error.classification) for e in runs if e.error is not None}
    assert classes == {"transient", "data", "config", "dependency", "worker_lost", "unknown"}
    statuses = {str(e.status) for e in runs}
    assert statuses == {"completed", "failed", "cancelled", "dry_run"}
    durations = [e.duration_seconds or 0 for e in runs]
    assert max(durations) > 60
    assert len({round(d) for d in durations}) > 10
    assert len({e.created_at.strftime("%H:%M") for e in runs}) > 20  # not all in one minute
    by_id = {e.execution_id: e for e in runs}
    retried = [e for e in runs if e.retry_of is not None]
    recovered = [e for e in retried if e.status == ExecutionStatus.COMPLETED]
    assert any(by_id[e.retry_of].status == ExecutionStatus.FAILED for e in recovered)  # type: ignore[index]
    assert any(e.attempt == 3 and e.status == ExecutionStatus.FAILED for e in retried)
    weekly = [e for e in runs if e.triggered_by == "schedule:finra-weekly"]
    assert {e.created_at.weekday() for e in weekly} == {1}  # Tuesdays
    assert len({e.pipeline for e in weekly}) == 4  # the whole chain


@pytest.mark.parametrize("hour", [0, 2, 3, 11, 12, 23])
def test_the_demos_history_ends_before_now_at_any_hour(hour: int) -> None:
    now = datetime(2025, 12, 23, hour, tzinfo=UTC)  # a Tuesday
    past = [*demo_past.history(now), *finra_history.history(now, "OTC")]
    assert max(p.at + timedelta(seconds=p.seconds + 3) for p in past) < now
    today = [p for p in past if p.at.date() == now.date()]
    assert bool(today) == (hour >= 3)  # the night's run, then the Tuesday chain
    assert any(p.schedule == "finra-weekly" for p in today) == (hour >= 12)


def test_with_rates_the_history_carries_costs_and_their_rates(db: Database) -> None:
    rates = Rates(0.05, 0.01, "USD")
    history = [DemoPast("runplane.sleep", {"seconds": 600}, NOW - DAY, 600.0, "completed", "api")]
    write_history(db, history, now=NOW, actor="user:ana", rates=RateCard(rates))
    with db.read() as conn:
        (written,) = store.list_executions(conn)
        events = event_store.list_events(conn, written.execution_id)
    assert written.cost is not None
    assert written.cost.cpu_seconds == 360.0
    assert written.cost.rates_version == rates.version
    assert events[-1].detail["rates"]["version"] == rates.version
