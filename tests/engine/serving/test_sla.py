"""The SLA watch: standings written on executions with an event on each transition, the
retry chain's clock, the median-based risk of a pending run, and missed instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

from runplane.engine.service import submit_execution
from runplane.engine.serving.metrics import EngineMetrics
from runplane.engine.serving.runtime import ServingRuntime
from runplane.engine.serving.sla import SlaWatch
from runplane.model import EventKind, Execution, ExecutionStatus, Trigger
from runplane.model.notification import OutboxEvent, OutboxKind
from runplane.model.schedule import ScheduleFire
from runplane.model.sla import SLA, SlaKind, SlaState, SlaStatus
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import notifications as notification_store
from runplane.store import schedules as schedule_store
from runplane.store import sla as sla_store
from runplane.tiers import Tier
from tests.api.test_health import metric
from tests.conftest import FakeClock, wait_for_final, wait_until
from tests.factories import make_execution, make_schedule

T0 = datetime(2025, 12, 23, 11, 0, tzinfo=UTC)  # Tuesday 06:00 in New York
TUESDAYS = {"cron": "0 6 * * 2", "timezone": "America/New_York"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def watch(db: Database, clock: FakeClock, breaches: list[tuple[str, SlaKind]]) -> SlaWatch:
    return SlaWatch(db, clock=clock, on_breach=lambda p, k: breaches.append((p, k)))


def state(db: Database, execution_id: str) -> SlaState | None:
    with db.read() as conn:
        sla = store.get_execution(conn, execution_id).sla
    return None if sla is None else sla.state


def sla_events(db: Database, execution_id: str) -> list[EventKind]:
    with db.read() as conn:
        events = event_store.list_events(conn, execution_id)
    return [e.kind for e in events if e.kind in (EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED)]


def test_a_long_run_goes_at_risk_then_breached_with_an_event_and_a_count_each(
    db: Database,
) -> None:
    clock = FakeClock(at(0))
    breaches: list[tuple[str, SlaKind]] = []
    with db.write() as conn:
        run = make_execution(
            conn, pipeline="tests.sla", status=ExecutionStatus.RUNNING, created_at=at(0)
        )
        untouched = make_execution(conn, status=ExecutionStatus.RUNNING, created_at=at(0))
    sla_watch = watch(db, clock, breaches)
    clock.now = at(5)
    sla_watch.check()
    assert state(db, run.execution_id) is SlaState.MET
    clock.now = at(8.5)
    sla_watch.check()
    assert state(db, run.execution_id) is SlaState.AT_RISK
    clock.now = at(12)
    changed, _ = sla_watch.check()
    assert [(c.before, c.after.state) for c in changed] == [(SlaState.AT_RISK, SlaState.BREACHED)]
    assert changed[0].after.breached_by_seconds == 120
    sla_watch.check()  # still breached: no second event
    assert sla_events(db, run.execution_id) == [EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED]
    assert breaches == [("tests.sla", SlaKind.MAX_DURATION)]
    assert [(e.kind, e.detail["summary"]) for e in outbox_events(db)] == [
        (OutboxKind.SLA_AT_RISK, "SLA max duration at risk"),
        (OutboxKind.SLA_BREACHED, "SLA max duration breached by 2m 0s"),
    ]
    assert state(db, untouched.execution_id) is None

    with db.write() as conn:
        store.update_status(
            conn, run.execution_id, ExecutionStatus.RUNNING, ExecutionStatus.COMPLETED,
            completed_at=at(15),
        )  # fmt: skip
    clock.now = at(20)
    sla_watch.check()
    with db.read() as conn:
        settled = store.get_execution(conn, run.execution_id).sla
    assert settled is not None
    assert settled.settled
    assert settled.breached_by_seconds == 300


def test_the_metric_counts_breaches_by_pipeline_and_limit(db: Database) -> None:
    metrics = EngineMetrics(db)
    clock = FakeClock(at(0))
    with db.write() as conn:
        make_execution(conn, pipeline="tests.sla", status=ExecutionStatus.RUNNING, created_at=at(0))
    clock.now = at(11)
    SlaWatch(db, clock=clock, on_breach=metrics.record_sla_breach).check()
    text = metrics.render().decode()
    assert (
        metric(text, "runplane_sla_breaches_total", pipeline="tests.sla", sla="max_duration") == 1
    )


def scheduled(conn: Connection, name: str, **overrides: Any) -> Execution:
    return make_execution(
        conn,
        pipeline="tests.sla", trigger=Trigger.SCHEDULED, triggered_by=f"schedule:{name}",
        trigger_time=T0, created_at=T0, **overrides,
    )  # fmt: skip


def test_complete_within_is_met_by_a_later_attempt_of_the_chain(db: Database) -> None:
    clock = FakeClock(at(90))
    with db.write() as conn:
        make_schedule(conn, name="ingest", pipeline="tests.sla", **TUESDAYS)
        first = scheduled(
            conn, "ingest", status=ExecutionStatus.FAILED, started_at=at(0), completed_at=at(5),
            sla=SlaStatus(SlaState.MET, {"complete_within": "1h"}),
        )  # fmt: skip
        second = make_execution(
            conn, pipeline="tests.sla", retry_of=first.execution_id, attempt=2,
            created_at=at(40), started_at=at(40), completed_at=at(50),
        )  # fmt: skip
    watch(db, clock, []).check()
    assert state(db, second.execution_id) is None  # ran and ended between two checks
    assert state(db, first.execution_id) is SlaState.MET
    with db.read() as conn:
        found = store.get_execution(conn, first.execution_id).sla
    assert found is not None
    assert found.settled


def test_a_manual_retry_does_not_reset_the_clock(db: Database) -> None:
    clock = FakeClock(at(20))
    breaches: list[tuple[str, SlaKind]] = []
    with db.write() as conn:
        make_schedule(conn, name="ingest", pipeline="tests.sla", **TUESDAYS)
        first = scheduled(
            conn, "ingest", status=ExecutionStatus.FAILED, started_at=at(0), completed_at=at(5),
            sla=SlaStatus(SlaState.MET, {"complete_within": "1h"}),
        )  # fmt: skip
    sla_watch = watch(db, clock, breaches)
    sla_watch.check()
    assert state(db, first.execution_id) is SlaState.MET
    clock.now = at(70)
    with db.write() as conn:
        retry = make_execution(
            conn, pipeline="tests.sla", retry_of=first.execution_id, attempt=2,
            trigger=Trigger.MANUAL, trigger_time=at(70), created_at=at(70),
            status=ExecutionStatus.RUNNING, started_at=at(70),
        )  # fmt: skip
    sla_watch.check()
    assert state(db, retry.execution_id) is SlaState.BREACHED
    with db.read() as conn:
        found = store.get_execution(conn, retry.execution_id).sla
    assert found is not None
    assert (found.kind, found.since, found.breached_by_seconds) == (
        SlaKind.COMPLETE_WITHIN, at(60), 600,
    )  # fmt: skip
    assert state(db, first.execution_id) is SlaState.BREACHED
    assert ("tests.sla", SlaKind.COMPLETE_WITHIN) in breaches


def test_a_pending_run_is_at_risk_when_its_median_no_longer_fits(db: Database) -> None:
    with db.write() as conn:
        make_schedule(conn, name="ingest", pipeline="tests.sla", **TUESDAYS)
        for day in range(1, 4):
            start = T0 - timedelta(days=day)
            make_execution(
                conn, pipeline="tests.sla", created_at=start, started_at=start,
                completed_at=start + timedelta(minutes=5),
            )  # fmt: skip
        waiting = scheduled(conn, "ingest", status=ExecutionStatus.PENDING)
    clock = FakeClock(at(54))
    sla_watch = watch(db, clock, [])
    sla_watch.check()
    assert state(db, waiting.execution_id) is SlaState.MET
    clock.now = at(56)
    sla_watch.check()
    assert state(db, waiting.execution_id) is SlaState.AT_RISK
    assert sla_events(db, waiting.execution_id) == [EventKind.SLA_AT_RISK]


def test_an_instant_with_nothing_run_by_its_deadline_is_a_miss_recorded_once(
    db: Database,
) -> None:
    breaches: list[tuple[str, SlaKind]] = []
    with db.write() as conn:
        make_schedule(
            conn, name="ingest", sla=SLA(complete_within="1h"), created_at=T0 - timedelta(days=1),
            active_since=T0 - timedelta(days=1), checked_until=T0 - timedelta(days=1),
            **TUESDAYS,
        )  # fmt: skip
    clock = FakeClock(at(59))
    sla_watch = watch(db, clock, breaches)
    assert sla_watch.check() == ([], [])
    clock.now = at(61)
    _, missed = sla_watch.check()
    assert [(m.schedule, m.scheduled_for, m.deadline, m.reason) for m in missed] == [
        ("ingest", T0, at(60), "not_fired")
    ]
    assert watch(db, clock, breaches).check() == ([], [])  # another watch: already recorded
    assert breaches == [("runplane.noop", SlaKind.COMPLETE_WITHIN)]
    (event,) = outbox_events(db)
    assert (event.kind, event.detail["schedule"]) == (OutboxKind.SCHEDULE_MISSED, "ingest")
    with db.read() as conn:
        assert [m.scheduled_for for m in sla_store.list_misses(conn, pipeline="runplane.noop")] == [
            T0
        ]


def test_an_instant_whose_execution_is_still_pending_at_the_deadline_is_a_miss(
    db: Database,
) -> None:
    with db.write() as conn:
        make_schedule(
            conn, name="ingest", sla=SLA(complete_within="1h"),
            active_since=T0 - timedelta(days=1), **TUESDAYS,
        )  # fmt: skip
        waiting = make_execution(
            conn, status=ExecutionStatus.PENDING, trigger=Trigger.SCHEDULED,
            triggered_by="schedule:ingest", trigger_time=T0, created_at=T0,
        )  # fmt: skip
        schedule_store.insert_fire(
            conn, ScheduleFire("ingest", T0, fired_at=T0, execution_id=waiting.execution_id)
        )
    _, missed = watch(db, FakeClock(at(61)), []).check()
    assert [(m.reason, m.execution_id) for m in missed] == [("pending", waiting.execution_id)]
    assert state(db, waiting.execution_id) is SlaState.BREACHED


@pytest.mark.slow
def test_serve_records_a_breach_while_the_execution_runs(settings: Settings) -> None:
    advanced = settings.model_copy(update={"tier": Tier.ADVANCED, "sla_interval": 0.1})
    db = Database(advanced.resolved_database_url)
    serving = ServingRuntime(db, advanced)
    assert serving.sla is not None
    serving.start()
    try:
        run = submit_execution(db, "tests.sla_quick", {}, trigger=Trigger.API, triggered_by="local")
        wait_until(
            lambda: state(db, run.execution_id) is SlaState.BREACHED,
            timeout=30, what="the breach recorded",
        )  # fmt: skip
        with db.read() as conn:
            assert store.get_execution(conn, run.execution_id).status is ExecutionStatus.RUNNING
        text = serving.metrics.render().decode()
        assert (
            metric(
                text, "runplane_sla_breaches_total", pipeline="tests.sla_quick", sla="max_duration"
            )
            == 1
        )
        wait_for_final(db, run.execution_id)
    finally:
        serving.stop()
        db.dispose()


def test_the_intermediate_tier_runs_no_sla_watch(settings: Settings) -> None:
    db = Database(settings.resolved_database_url)
    try:
        assert ServingRuntime(db, settings).sla is None
    finally:
        db.dispose()


def outbox_events(db: Database) -> list[OutboxEvent]:
    """What the SLA watch handed to notifications, oldest first."""
    with db.read() as conn:
        return notification_store.list_unmatched(conn)
