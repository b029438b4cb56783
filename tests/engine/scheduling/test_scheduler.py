"""The scheduler: on-time fires, exactly once across servers, catch-up after downtime,
daylight saving in America/New_York, templates at fire time, and failures that do not
stop a schedule. Time is a FakeClock moved by hand; executions run in real processes
only where their outcome matters."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from runplane.engine.scheduling.scheduler import COUNT_LIMIT, Scheduler, fire_due, plan_fires
from runplane.engine.scheduling.timetable import Timetable
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import EventKind, Execution, ExecutionStatus, Trigger
from runplane.model.schedule import CatchUp
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as execution_store
from runplane.store import schedules as schedule_store
from runplane.store.tables import executions, schedule_fires
from runplane.views.schedules import get_schedule_state
from tests.conftest import FakeClock, fast_settings, wait_for_final, wait_until
from tests.factories import make_schedule
from tests.support.param_index import assert_params_indexed

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def scheduled(db: Database, name: str | None = None) -> list[Execution]:
    """Executions created by schedules, oldest instant first."""
    with db.read() as conn:
        found = execution_store.list_executions(
            conn,
            execution_store.ExecutionFilter(triggers=frozenset({Trigger.SCHEDULED})),
            limit=1000,
        )
    if name is not None:
        found = [e for e in found if e.triggered_by == f"schedule:{name}"]
    return sorted(found, key=lambda e: e.trigger_time)


def created_detail(db: Database, execution: Execution) -> dict[str, object]:
    with db.read() as conn:
        events = event_store.list_events(conn, execution.execution_id)
    assert events[0].kind is EventKind.CREATED
    return events[0].detail


def count(db: Database, table: object) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]


def test_an_instant_fires_once_when_due_with_the_instant_as_trigger_time(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_schedule(conn, name="noop", created_at=T0)
    scheduler = Scheduler(db, settings, clock=clock)
    clock.now = T0 + timedelta(seconds=59)
    assert scheduler.tick() == []
    clock.now = T0 + timedelta(minutes=1, seconds=7)
    fired = scheduler.tick()
    assert [f.scheduled_for for f in fired] == [T0 + timedelta(minutes=1)]
    clock.advance(seconds=20)
    assert scheduler.tick() == []
    [execution] = scheduled(db)
    assert execution.status is ExecutionStatus.PENDING
    assert execution.trigger is Trigger.SCHEDULED
    assert execution.triggered_by == "schedule:noop"
    assert execution.trigger_time == T0 + timedelta(minutes=1)
    assert execution.created_at == T0 + timedelta(minutes=1, seconds=7)
    assert fired[0].execution_id == execution.execution_id
    assert not fired[0].late
    detail = created_detail(db, execution)
    assert detail["schedule"] == "noop"
    assert detail["scheduled_for"] == "2025-12-22T08:01:00Z"
    assert detail["late"] is False


def test_two_schedulers_on_one_database_fire_each_instant_exactly_once(
    database_url: str, settings: Settings, clock: FakeClock
) -> None:
    """Two servers (own connection pools, own threads) tick at the same moments for 30
    minutes over three schedules; every instant gets one fire and one execution."""
    setup = Database(database_url)
    with setup.write() as conn:
        for name in ("a", "b", "c"):
            make_schedule(conn, name=name, created_at=T0)
    setup.dispose()
    databases = [Database(database_url), Database(database_url)]
    schedulers = [Scheduler(db, settings, clock=clock) for db in databases]
    fired: list[list[object]] = [[], []]

    def tick(index: int, start: threading.Barrier) -> None:
        start.wait()
        fired[index] += schedulers[index].tick()

    for minute in range(1, 31):
        clock.now = T0 + timedelta(minutes=minute, seconds=1)
        start = threading.Barrier(2)
        threads = [threading.Thread(target=tick, args=(i, start)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    db = databases[0]
    assert len(fired[0]) + len(fired[1]) == 90
    runs = scheduled(db)
    assert len(runs) == count(db, executions) == count(db, schedule_fires) == 90
    for name in ("a", "b", "c"):
        instants = [e.trigger_time for e in runs if e.triggered_by == f"schedule:{name}"]
        assert instants == [T0 + timedelta(minutes=m) for m in range(1, 31)]
    for database in databases:
        database.dispose()


def test_fire_due_called_twice_for_one_instant_records_one_fire(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_schedule(conn, name="s", created_at=T0)
    clock.now = T0 + timedelta(minutes=1)
    assert len(fire_due(db, "s", settings, clock=clock)) == 1
    assert fire_due(db, "s", settings, clock=clock) == []
    assert len(scheduled(db)) == 1


def hourly_down_since_0800(db: Database, policy: CatchUp) -> None:
    """An hourly schedule that last fired at 08:00, then no scheduler ran."""
    with db.write() as conn:
        make_schedule(
            conn,
            name="hourly",
            cron="0 * * * *",
            catch_up=policy,
            created_at=T0 - timedelta(days=1),
            checked_until=T0,
        )


def test_after_downtime_latest_runs_only_the_newest_missed_instant_marked_late(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    hourly_down_since_0800(db, CatchUp.LATEST)
    scheduler = Scheduler(db, settings, clock=clock)
    clock.now = T0 + timedelta(hours=5, minutes=20)  # 13:20; 09:00..13:00 were missed
    [fire] = scheduler.tick()
    assert (fire.scheduled_for, fire.late, fire.skipped) == (T0 + timedelta(hours=5), True, 4)
    [execution] = scheduled(db)
    assert execution.trigger_time == T0 + timedelta(hours=5)
    detail = created_detail(db, execution)
    assert detail["late"] is True
    assert detail["catch_up"] == "latest"
    assert detail["missed_instants_skipped"] == 4
    clock.now = T0 + timedelta(hours=6, seconds=2)
    [on_time] = scheduler.tick()
    assert (on_time.scheduled_for, on_time.late, on_time.skipped) == (
        T0 + timedelta(hours=6),
        False,
        0,
    )


def test_after_downtime_all_runs_every_missed_instant_oldest_first(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    hourly_down_since_0800(db, CatchUp.ALL)
    clock.now = T0 + timedelta(hours=5, seconds=30)  # 13:00:30: 13:00 itself is on time
    fires = Scheduler(db, settings, clock=clock).tick()
    expected = [T0 + timedelta(hours=h) for h in range(1, 6)]
    assert [f.scheduled_for for f in fires] == expected
    assert [f.late for f in fires] == [True, True, True, True, False]
    assert [e.trigger_time for e in scheduled(db)] == expected


def test_catch_up_all_fires_at_most_the_limit_newest_instants(
    db: Database, tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    hourly_down_since_0800(db, CatchUp.ALL)
    settings = fast_settings(tmp_path, database_url, schedule_catch_up_limit=3)
    clock.now = T0 + timedelta(hours=5, minutes=20)
    fires = Scheduler(db, settings, clock=clock).tick()
    assert [f.scheduled_for for f in fires] == [T0 + timedelta(hours=h) for h in (3, 4, 5)]
    assert fires[0].skipped == 2


def test_after_downtime_none_runs_nothing_missed_and_the_schedule_shows_overdue(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    hourly_down_since_0800(db, CatchUp.NONE)
    scheduler = Scheduler(db, settings, clock=clock)
    clock.now = T0 + timedelta(hours=5, minutes=20)
    assert scheduler.tick() == []
    assert scheduled(db) == []
    state = get_schedule_state(db, "hourly", settings, clock=clock)
    assert state.overdue
    assert state.last_due == T0 + timedelta(hours=5)
    with db.read() as conn:
        assert schedule_store.get_schedule(conn, "hourly").checked_until == state.last_due
    clock.now = T0 + timedelta(hours=6, seconds=1)
    [fire] = scheduler.tick()
    assert not fire.late
    assert not get_schedule_state(db, "hourly", settings, clock=clock).overdue


def test_a_disabled_schedule_does_not_fire(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_schedule(conn, name="off", enabled=False, created_at=T0)
    clock.now = T0 + timedelta(minutes=10)
    assert Scheduler(db, settings, clock=clock).tick() == []
    assert scheduled(db) == []


def tick_through(scheduler: Scheduler, clock: FakeClock, start: datetime, end: datetime) -> None:
    """Tick every five minutes of fake time from `start` to `end`, as a server would."""
    clock.now = start
    while clock.now <= end:
        scheduler.tick()
        clock.advance(minutes=5)


def wall_clock(execution: Execution) -> str:
    return execution.trigger_time.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z")


def test_fall_back_fires_a_daily_wall_clock_time_in_the_repeated_hour_once(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    """On 2026-11-01 New York repeats 01:00-01:59; 01:30 fires on its first occurrence."""
    start = datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK)
    with db.write() as conn:
        make_schedule(
            conn, name="daily", cron="30 1 * * *", timezone="America/New_York", created_at=start
        )
    tick_through(
        Scheduler(db, settings, clock=clock), clock, start, datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    )
    runs = scheduled(db)
    assert [wall_clock(e) for e in runs] == ["11-01 01:30 EDT", "11-02 01:30 EST"]
    assert [e.trigger_time for e in runs] == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),
    ]


def test_fall_back_fires_every_wall_clock_time_of_a_half_hourly_schedule_once(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    start = datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK)  # 04:00Z
    with db.write() as conn:
        make_schedule(
            conn, name="half", cron="*/30 * * * *", timezone="America/New_York", created_at=start
        )
    tick_through(
        Scheduler(db, settings, clock=clock), clock, start, datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    )
    times = [wall_clock(e) for e in scheduled(db)]
    assert times == [
        "11-01 00:30 EDT",
        "11-01 01:00 EDT",
        "11-01 01:30 EDT",
        "11-01 02:00 EST",
        "11-01 02:30 EST",
        "11-01 03:00 EST",
    ]


def test_spring_forward_fires_a_time_in_the_skipped_hour_once_right_after_the_jump(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    """On 2026-03-08 New York skips 02:00-02:59; the daily 02:30 fires at 03:00 EDT."""
    start = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    with db.write() as conn:
        make_schedule(
            conn, name="daily", cron="30 2 * * *", timezone="America/New_York", created_at=start
        )
    tick_through(
        Scheduler(db, settings, clock=clock), clock, start, datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    )
    runs = scheduled(db)
    assert [wall_clock(e) for e in runs] == ["03-08 03:00 EDT", "03-09 02:30 EDT"]
    assert runs[0].trigger_time == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert all(not created_detail(db, e)["late"] for e in runs)


def test_templates_are_filled_in_on_the_schedules_wall_clock_at_the_instant(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    """Sunday 2026-01-04 22:00 in New York is already Monday 03:00 in UTC: the New York
    schedule asks for the week of 2025-12-22, the UTC one for 2025-12-29."""
    instant = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    params = {"week_ending": "{{ last_week_ending }}", "source": "{{ yesterday }}/{{ today }}"}
    with db.write() as conn:
        for name, zone in (("ny", "America/New_York"), ("utc", "UTC")):
            make_schedule(
                conn,
                name=name,
                pipeline="finra.otc_transparency.ingest_week",
                cron="0 * * * *",
                timezone=zone,
                params=params,
                created_at=instant - timedelta(minutes=30),
            )
    clock.now = instant + timedelta(seconds=1)
    Scheduler(db, settings, clock=clock).tick()
    [ny] = scheduled(db, "ny")
    [utc] = scheduled(db, "utc")
    assert ny.params["week_ending"] == "2025-12-22"
    assert ny.params["source"] == "2026-01-03/2026-01-04"
    assert utc.params["week_ending"] == "2025-12-29"
    assert utc.params["source"] == "2026-01-04/2026-01-05"
    with db.read() as conn:
        stored = schedule_store.get_schedule(conn, "ny")
    assert stored.params == params
    assert assert_params_indexed(db) >= 4  # a fire's parameters are filterable at once


def test_a_fire_whose_params_no_longer_validate_is_recorded_and_the_schedule_goes_on(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_schedule(
            conn, name="broken", pipeline="tests.typed", params={"count": 99}, created_at=T0
        )
        make_schedule(conn, name="fine", created_at=T0)
    scheduler = Scheduler(db, settings, clock=clock)
    for minute in (1, 2):
        clock.now = T0 + timedelta(minutes=minute)
        scheduler.tick()
    with db.read() as conn:
        fires = schedule_store.list_fires(conn, "broken")
    assert [f.scheduled_for for f in fires] == [T0 + timedelta(minutes=m) for m in (2, 1)]
    assert all(f.execution_id is None for f in fires)
    assert all("count" in (f.error or "") for f in fires)
    assert len(scheduled(db, "fine")) == 2
    clock.advance(seconds=30)
    assert get_schedule_state(db, "broken", settings, clock=clock).overdue
    assert not get_schedule_state(db, "fine", settings, clock=clock).overdue


def test_plan_counts_the_missed_instants_it_leaves_out() -> None:
    table = Timetable("* * * * *", "UTC")
    now = T0 + timedelta(hours=3, seconds=10)  # 180 instants, 08:01 to 11:00
    plan = plan_fires(table, T0, now, CatchUp.LATEST, late_after=timedelta(seconds=60), limit=100)
    assert plan.fires == [(T0 + timedelta(hours=3), False)]
    assert plan.skipped == 179


def test_plan_counts_missed_instants_without_walking_a_long_downtime() -> None:
    """A month down with an every-minute schedule: one fire, the rest counted up to a cap."""
    table = Timetable("* * * * *", "UTC")
    now = T0 + timedelta(days=30, seconds=10)
    plan = plan_fires(
        table,
        T0,
        now,
        CatchUp.LATEST,
        late_after=timedelta(seconds=60),
        limit=100,
    )
    assert plan.fires == [(T0 + timedelta(days=30), False)]
    assert plan.checked_until == T0 + timedelta(days=30)
    assert plan.skipped == COUNT_LIMIT  # of 43,199


@pytest.fixture
def fake_time_runtime(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> tuple[ServingRuntime, Database]:
    settings = fast_settings(tmp_path, database_url, scheduler_interval=0.02)
    db = Database(database_url)
    runtime = ServingRuntime(db, settings, clock=clock)
    return runtime, db


@pytest.mark.slow
def test_a_schedule_whose_run_fails_fires_again_inside_the_serving_runtime(
    fake_time_runtime: tuple[ServingRuntime, Database], clock: FakeClock
) -> None:
    runtime, db = fake_time_runtime
    clock.now = T0
    with db.write() as conn:
        make_schedule(
            conn, name="failing", pipeline="runplane.fail", params={"error": "data"}, created_at=T0
        )
    runtime.start()
    try:
        for minute in (1, 2):
            clock.now = T0 + timedelta(minutes=minute, seconds=1)
            wait_until(lambda m=minute: len(scheduled(db)) == m, what=f"fire {minute}")
            final = wait_for_final(db, scheduled(db)[-1].execution_id)
            assert final.status is ExecutionStatus.FAILED
        assert [e.trigger_time for e in scheduled(db)] == [
            T0 + timedelta(minutes=1),
            T0 + timedelta(minutes=2),
        ]
    finally:
        runtime.stop()
        db.dispose()


def test_the_basic_tier_runs_no_scheduler(tmp_path: Path, sqlite_db: Database) -> None:
    url = str(sqlite_db.url)
    assert ServingRuntime(sqlite_db, fast_settings(tmp_path, url, tier="basic")).scheduler is None
    assert ServingRuntime(sqlite_db, fast_settings(tmp_path, url)).scheduler is not None
