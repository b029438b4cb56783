"""The bulk runner's throttle: never more than RUNPLANE_BULK_MAX_PENDING executions created
by bulk retries pending at once, at most RUNPLANE_BULK_RATE acted on per second; driven
tick by tick with a moved clock, measured by a store query."""

from __future__ import annotations

from pathlib import Path

from runplane.engine.bulk.preview import preview_bulk
from runplane.engine.serving.bulk_runner import BulkRunner
from runplane.model import ExecutionStatus
from runplane.model.bulk import BulkAction, BulkState
from runplane.store import Database
from runplane.store import bulk as bulk_store
from runplane.store import executions as store
from tests.conftest import FakeClock, fast_settings
from tests.factories import failed_typed, start_bulk


def runner(db: Database, tmp_path: Path, clock: FakeClock, **settings: object) -> BulkRunner:
    url = db.url.render_as_string(hide_password=False)
    return BulkRunner(db, fast_settings(tmp_path, url, **settings), clock=clock)


def start_one_pending(db: Database) -> bool:
    """What an executor does: move the oldest pending bulk retry to running."""
    with db.write() as conn:
        waiting = [
            e
            for e in store.list_executions(conn, limit=200)
            if e.status is ExecutionStatus.PENDING and e.bulk_id is not None
        ]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda e: (e.created_at, e.execution_id))
        return store.update_status(
            conn, oldest.execution_id, ExecutionStatus.PENDING, ExecutionStatus.RUNNING
        )


def pending_created(db: Database) -> int:
    with db.read() as conn:
        return bulk_store.count_pending_created(conn)


def test_never_more_than_the_maximum_pending_at_once(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in range(1, 8)]
    operation = start_bulk(db, "retry", ids, clock=clock)
    bulk = runner(db, tmp_path, clock, bulk_max_pending=3, bulk_rate=1000)
    seen: list[int] = []
    for _ in range(20):
        for _ in range(4):  # more chances to act than the throttle allows
            clock.advance(seconds=1)
            bulk.tick()
            seen.append(pending_created(db))
        start_one_pending(db)
    assert max(seen) == 3
    with db.read() as conn:
        final = bulk_store.find_operation(conn, operation.bulk_id)
        items = bulk_store.list_items(conn, operation.bulk_id)
    assert final is not None
    assert final.state is BulkState.COMPLETED
    assert len({i.result_id for i in items if i.result_id}) == 7


def test_a_tick_acts_at_the_rate_allowed(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in range(1, 8)]
    start_bulk(db, "retry", ids, clock=clock)
    bulk = runner(db, tmp_path, clock, bulk_max_pending=100, bulk_rate=5)
    assert bulk.tick() == 1
    assert bulk.tick() == 0
    clock.advance(seconds=0.1)
    assert bulk.tick() == 0
    clock.advance(seconds=0.1)
    assert bulk.tick() == 1
    clock.advance(seconds=0.4)
    assert bulk.tick() == 1
    assert pending_created(db) == 3


def test_a_runner_started_anew_goes_on_where_the_last_one_stopped(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in range(1, 5)]
    operation = start_bulk(db, "retry", ids, clock=clock)
    assert runner(db, tmp_path, clock, bulk_rate=1).tick() == 1
    again = runner(db, tmp_path, clock, bulk_rate=1)
    acted = 0
    for _ in range(6):
        clock.advance(seconds=1)
        acted += again.tick()
    assert acted == 3
    with db.read() as conn:
        items = bulk_store.list_items(conn, operation.bulk_id)
    assert len({i.result_id for i in items}) == 4


def test_a_retry_held_back_by_the_pending_cap_does_not_hold_back_a_cancel(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        failed = [failed_typed(conn, n).execution_id for n in range(1, 4)]
        waiting = failed_typed(conn, 9, status=ExecutionStatus.PENDING).execution_id
    start_bulk(db, "retry", failed, clock=clock)
    clock.advance(seconds=1)
    cancel = start_bulk(db, "cancel", [waiting], clock=clock)
    bulk = runner(db, tmp_path, clock, bulk_max_pending=1, bulk_rate=1000)
    for _ in range(5):
        clock.advance(seconds=1)
        bulk.tick()
    assert pending_created(db) == 1
    with db.read() as conn:
        done = bulk_store.find_operation(conn, cancel.bulk_id)
        cancelled = store.get_execution(conn, waiting)
    assert done is not None
    assert done.state is BulkState.COMPLETED
    assert cancelled.status is ExecutionStatus.CANCELLED


def test_expired_previews_are_swept_every_housekeeping_interval(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, 1).execution_id]
    kept = preview_bulk(db, BulkAction.RETRY, actor="user:a", ids=ids, ttl_seconds=600, clock=clock)
    gone = preview_bulk(db, BulkAction.RETRY, actor="user:a", ids=ids, ttl_seconds=60, clock=clock)
    bulk = runner(db, tmp_path, clock, housekeeping_interval=300)
    bulk.tick()
    clock.advance(seconds=120)
    bulk.tick()  # within the interval: not swept yet
    with db.read() as conn:
        assert bulk_store.find_preview(conn, gone.preview_id) is not None
    clock.advance(seconds=200)
    bulk.tick()
    with db.read() as conn:
        assert bulk_store.find_preview(conn, gone.preview_id) is None
        assert bulk_store.find_preview(conn, kept.preview_id) is not None
