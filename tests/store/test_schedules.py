"""The store contract for schedules and fires, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from runplane.model.schedule import CatchUp, ScheduleFire
from runplane.store import Database, NotFound
from runplane.store import schedules as store
from runplane.store.tables import schedule_fires
from tests.factories import make_execution, make_schedule

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def fire(schedule: str, instant: datetime, **overrides: object) -> ScheduleFire:
    values: dict[str, object] = {
        "schedule": schedule,
        "scheduled_for": instant,
        "fired_at": instant + timedelta(seconds=1),
        "execution_id": None,
    }
    values.update(overrides)
    return ScheduleFire(**values)  # type: ignore[arg-type]


def test_insert_then_get_round_trips_every_field(db: Database) -> None:
    with db.write() as conn:
        made = make_schedule(
            conn,
            name="finra-weekly",
            pipeline="finra.otc_transparency.ingest_week",
            cron="0 6 * * 2",
            timezone="America/New_York",
            params={"week_ending": "{{ last_week_ending }}", "tier": "OTC"},
            enabled=False,
            catch_up=CatchUp.ALL,
            source="file:/etc/runplane/schedules.toml",
        )
    with db.read() as conn:
        loaded = store.get_schedule(conn, "finra-weekly")
    assert loaded == made
    assert loaded.created_at.tzinfo is UTC
    assert loaded.file == "/etc/runplane/schedules.toml"


def test_get_unknown_schedule_names_it(db: Database) -> None:
    with pytest.raises(NotFound, match="'nope'"), db.read() as conn:
        store.get_schedule(conn, "nope")
    with db.read() as conn:
        assert store.find_schedule(conn, "nope") is None


def test_list_is_by_name_and_filters_by_pipeline_enabled_and_source(db: Database) -> None:
    with db.write() as conn:
        make_schedule(conn, name="b", pipeline="runplane.sleep")
        make_schedule(conn, name="a", enabled=False)
        make_schedule(conn, name="c", source="file:/x.toml")
    with db.read() as conn:
        assert [s.name for s in store.list_schedules(conn)] == ["a", "b", "c"]
        assert [s.name for s in store.list_schedules(conn, pipeline="runplane.noop")] == [
            "a",
            "c",
        ]
        assert [s.name for s in store.list_schedules(conn, enabled=True)] == ["b", "c"]
        assert [s.name for s in store.list_schedules(conn, source="file:/x.toml")] == ["c"]


def test_update_replaces_the_definition(db: Database) -> None:
    with db.write() as conn:
        made = make_schedule(conn)
        changed = replace(made, cron="*/5 * * * *", params={"x": 1}, updated_by="api:local")
        store.update_schedule(conn, changed)
    with db.read() as conn:
        assert store.get_schedule(conn, made.name) == changed


def test_enabling_with_reset_moves_both_cursors(db: Database) -> None:
    later = T0 + timedelta(days=2)
    with db.write() as conn:
        make_schedule(conn, name="s", enabled=False)
        store.update_enabled(conn, "s", True, at=later, by="user:ana", reset_since=True)
    with db.read() as conn:
        loaded = store.get_schedule(conn, "s")
    assert (loaded.enabled, loaded.updated_by) == (True, "user:ana")
    assert loaded.active_since == loaded.checked_until == later


def test_checked_until_only_moves_forward(db: Database) -> None:
    with db.write() as conn:
        make_schedule(conn, name="s")
        store.update_checked_until(conn, "s", T0 + timedelta(minutes=5))
        store.update_checked_until(conn, "s", T0 + timedelta(minutes=2))
    with db.read() as conn:
        assert store.get_schedule(conn, "s").checked_until == T0 + timedelta(minutes=5)


def test_a_second_fire_of_the_same_instant_is_not_inserted(db: Database) -> None:
    instant = T0 + timedelta(minutes=1)
    with db.write() as conn:
        make_schedule(conn, name="s")
        execution = make_execution(conn)
        assert store.insert_fire(conn, fire("s", instant, execution_id=execution.execution_id))
        assert not store.insert_fire(conn, fire("s", instant, execution_id="other"))
        assert store.insert_fire(conn, fire("s", instant + timedelta(minutes=1)))
        assert store.insert_fire(conn, fire("other", instant))
    with db.read() as conn:
        kept = store.find_fire(conn, "s", instant)
        assert kept is not None
        assert kept.execution_id == execution.execution_id
        assert store.find_fire_of_execution(conn, execution.execution_id) == kept
        assert [f.scheduled_for for f in store.list_fires(conn, "s")] == [
            instant + timedelta(minutes=1),
            instant,
        ]


def test_concurrent_fires_of_one_instant_insert_exactly_one(db: Database) -> None:
    """Eight connections race on the same instant; the unique key lets one through."""
    instant = T0 + timedelta(minutes=1)
    results: list[bool] = []
    start = threading.Barrier(8)

    def race(n: int) -> None:
        start.wait()
        with db.write() as conn:
            results.append(store.insert_fire(conn, fire("s", instant, execution_id=str(n))))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(schedule_fires)).scalar_one() == 1


def test_fire_round_trips_late_skipped_and_error(db: Database) -> None:
    made = fire("s", T0, late=True, skipped=41, error="invalid parameters for x: y: bad")
    with db.write() as conn:
        store.insert_fire(conn, made)
    with db.read() as conn:
        assert store.find_fire(conn, "s", T0) == made


def test_delete_removes_the_schedule_and_its_fires_only(db: Database) -> None:
    with db.write() as conn:
        make_schedule(conn, name="gone")
        make_schedule(conn, name="kept")
        store.insert_fire(conn, fire("gone", T0))
        store.insert_fire(conn, fire("kept", T0))
        assert store.delete_schedule(conn, "gone")
        assert not store.delete_schedule(conn, "gone")
    with db.read() as conn:
        assert [s.name for s in store.list_schedules(conn)] == ["kept"]
        assert store.list_fires(conn, "gone") == []
        assert len(store.list_fires(conn, "kept")) == 1
