"""Operating schedules: validation naming each field, saving, file-defined refusals,
enable/disable, removal, and each schedule's next run and overdue flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from runplane.engine.errors import InvalidSchedule, ScheduleRefused
from runplane.engine.scheduling.scheduler import Scheduler
from runplane.engine.scheduling.schedules import (
    ScheduleSpec,
    remove_schedule,
    save_schedule,
    set_schedule_enabled,
)
from runplane.model.schedule import CatchUp
from runplane.settings import Settings
from runplane.store import Database, NotFound
from runplane.store import schedules as store
from runplane.store.tables import executions, schedules
from runplane.views.schedules import get_schedule_state, list_schedule_states
from tests.conftest import FakeClock
from tests.factories import make_schedule

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)  # a Monday
WEEKLY = ScheduleSpec(
    name="finra-weekly",
    pipeline="finra.otc_transparency.ingest_week",
    cron="0 6 * * 2",
    timezone="America/New_York",
    params={"week_ending": "{{ last_week_ending }}", "tier": "OTC"},
)


def schedule_count(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(schedules)).scalar_one()


def refused_fields(db: Database, clock: FakeClock, **changes: object) -> dict[str, str]:
    spec = ScheduleSpec(**{**WEEKLY.__dict__, **changes})  # type: ignore[arg-type]
    with pytest.raises(InvalidSchedule) as caught:
        save_schedule(db, spec, source="cli", by="user:ana", clock=clock)
    assert schedule_count(db) == 0
    return caught.value.errors


def test_a_saved_schedule_keeps_templates_and_stores_other_params_validated(
    db: Database, clock: FakeClock
) -> None:
    saved, created = save_schedule(db, WEEKLY, source="cli", by="user:ana", clock=clock)
    assert created
    assert saved.params == {"week_ending": "{{ last_week_ending }}", "tier": "OTC"}
    sleep, _ = save_schedule(
        db,
        ScheduleSpec(
            name="nap", pipeline="runplane.sleep", cron="@hourly", params={"seconds": "5"}
        ),
        source="api",
        by="local",
        clock=clock,
    )
    assert (sleep.cron, sleep.params) == ("0 * * * *", {"seconds": 5.0})
    with db.read() as conn:
        assert store.get_schedule(conn, "finra-weekly") == saved
    assert saved.active_since == saved.checked_until == clock.now


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "weekly report"}, "name", "letters, digits"),
        ({"name": "weekly\n"}, "name", "letters, digits"),
        ({"pipeline": "finra.otc_transparency.ingest_wek"}, "pipeline", "did you mean"),
        ({"cron": "0 6 * * 9"}, "cron", "day-of-week field takes 0-7"),
        ({"cron": "every tuesday"}, "cron", "has 2 fields"),
        ({"timezone": "America/New_Yrok"}, "timezone", "did you mean America/New_York?"),
        (
            {"params": {"week_ending": "{{ last_weak_ending }}"}},
            "params.week_ending",
            "unknown template {{ last_weak_ending }}",
        ),
        ({"params": {**WEEKLY.params, "tier": "GOLD"}}, "params.tier", "Input should be"),
        ({"params": {**WEEKLY.params, "colour": "red"}}, "params.colour", "unknown parameter"),
        (
            {"params": {**WEEKLY.params, "timeout_seconds": "{{ today }}"}},
            "params.timeout_seconds",
            "with templates filled in as on 2025-12-22: '2025-12-22'",
        ),
        ({"params": {}}, "params.week_ending", "Field required"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_saving_nothing(
    db: Database, clock: FakeClock, changes: dict[str, object], field: str, message: str
) -> None:
    errors = refused_fields(db, clock, **changes)
    assert list(errors) == [field]
    assert message in errors[field]


def test_every_bad_field_is_named_at_once(db: Database, clock: FakeClock) -> None:
    errors = refused_fields(db, clock, cron="61 * * * *", timezone="Nowhere", name="-x")
    assert set(errors) == {"name", "cron", "timezone"}


def test_replacing_keeps_the_cursor_unless_the_timetable_changes(
    db: Database, clock: FakeClock
) -> None:
    save_schedule(db, WEEKLY, source="api", by="local", clock=clock)
    clock.advance(days=8)
    with db.write() as conn:
        store.update_checked_until(conn, WEEKLY.name, clock.now - timedelta(days=1))
    same_times = ScheduleSpec(**{**WEEKLY.__dict__, "params": {"week_ending": "{{ today }}"}})
    kept, created = save_schedule(db, same_times, source="api", by="local", clock=clock)
    assert not created
    assert kept.checked_until == clock.now - timedelta(days=1)
    assert kept.created_at == T0
    new_times = ScheduleSpec(**{**WEEKLY.__dict__, "cron": "0 7 * * 2"})
    moved, _ = save_schedule(db, new_times, source="api", by="local", clock=clock)
    assert moved.active_since == moved.checked_until == clock.now


def test_adding_an_existing_name_without_replace_is_refused(db: Database, clock: FakeClock) -> None:
    save_schedule(db, WEEKLY, source="cli", by="user:ana", clock=clock)
    with pytest.raises(ScheduleRefused, match=r"already exists .*--replace"):
        save_schedule(db, WEEKLY, source="cli", by="user:ana", replace_existing=False, clock=clock)


def test_a_file_defined_schedule_is_not_changed_or_removed_but_can_be_switched_off(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_schedule(conn, name="from-file", source="file:/srv/schedules.toml")
    spec = ScheduleSpec(name="from-file", pipeline="runplane.noop", cron="@daily")
    with pytest.raises(ScheduleRefused, match=r"defined in /srv/schedules\.toml .*edit that file"):
        save_schedule(db, spec, source="api", by="local", clock=clock)
    with pytest.raises(ScheduleRefused, match="can only be removed there"):
        remove_schedule(db, "from-file", by="local")
    assert not set_schedule_enabled(db, "from-file", False, by="local", clock=clock).enabled
    with db.read() as conn:
        assert store.get_schedule(conn, "from-file").cron == "* * * * *"


def test_switching_back_on_fires_nothing_for_the_time_it_was_off(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_schedule(conn, name="s", created_at=T0)
    set_schedule_enabled(db, "s", False, by="user:ana", clock=clock)
    clock.advance(hours=3, seconds=30)
    enabled = set_schedule_enabled(db, "s", True, by="user:ana", clock=clock)
    assert enabled.active_since == clock.now
    scheduler = Scheduler(db, settings, clock=clock)
    assert scheduler.tick() == []
    clock.advance(seconds=31)
    assert [f.scheduled_for for f in scheduler.tick()] == [T0 + timedelta(hours=3, minutes=1)]


def test_removing_keeps_the_executions_it_created(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_schedule(conn, name="s", created_at=T0)
    clock.advance(minutes=1)
    Scheduler(db, settings, clock=clock).tick()
    removed = remove_schedule(db, "s", by="user:ana")
    assert removed.name == "s"
    with db.read() as conn:
        assert store.list_fires(conn, "s") == []
        assert conn.execute(select(func.count()).select_from(executions)).scalar_one() == 1
    with pytest.raises(NotFound, match="no schedule named 's'"):
        remove_schedule(db, "s", by="user:ana")


def test_state_has_next_run_last_fire_and_overdue(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    save_schedule(db, WEEKLY, source="cli", by="user:ana", clock=clock)
    with db.write() as conn:
        make_schedule(conn, name="minutely", created_at=T0)
        make_schedule(conn, name="off", enabled=False, created_at=T0)
    state = get_schedule_state(db, "finra-weekly", settings, clock=clock)
    assert state.next_run == datetime(2025, 12, 23, 11, 0, tzinfo=UTC)  # 06:00 EST
    assert (state.last_due, state.overdue, state.last_fire) == (None, False, None)
    assert state.description == "At 06:00 on Tuesday"
    clock.advance(minutes=1, seconds=5)
    Scheduler(db, settings, clock=clock).tick()
    clock.advance(minutes=2)  # 08:03:05: the 08:02 and 08:03 instants did not run
    states = {s.schedule.name: s for s in list_schedule_states(db, settings, clock=clock)}
    minutely = states["minutely"]
    assert minutely.last_due == T0 + timedelta(minutes=3)
    assert not minutely.overdue  # 5 s ago: a running scheduler is about to fire it
    assert minutely.last_fire is not None
    assert minutely.last_fire.fire.scheduled_for == T0 + timedelta(minutes=1)
    assert minutely.last_fire.execution is not None
    assert minutely.last_fire.execution.trigger_time == T0 + timedelta(minutes=1)
    clock.advance(seconds=11)
    assert get_schedule_state(db, "minutely", settings, clock=clock).overdue
    off = states["off"]
    assert (off.next_run, off.overdue) == (None, False)


def test_list_narrows_to_one_pipeline(db: Database, settings: Settings, clock: FakeClock) -> None:
    with db.write() as conn:
        make_schedule(conn, name="a")
        make_schedule(conn, name="b", pipeline="runplane.sleep")
    names = [s.schedule.name for s in list_schedule_states(db, settings, pipeline="runplane.sleep")]
    assert names == ["b"]


def test_a_name_no_schedule_can_have_is_not_found(db: Database, settings: Settings) -> None:
    with pytest.raises(NotFound, match="no schedule named"):
        get_schedule_state(db, "a\x00b", settings)


def test_catch_up_policy_is_stored(db: Database, clock: FakeClock) -> None:
    spec = ScheduleSpec(name="all", pipeline="runplane.noop", cron="@daily", catch_up=CatchUp.ALL)
    saved, _ = save_schedule(db, spec, source="cli", by="user:ana", clock=clock)
    assert saved.catch_up is CatchUp.ALL
