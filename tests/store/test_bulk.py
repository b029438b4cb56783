"""Bulk items change by compare-and-set and the bulk-retried marker is unique per execution,
so neither a second runner nor a second operation can act twice."""

from __future__ import annotations

import threading
from pathlib import Path

from runplane.engine.serving.bulk_runner import BulkRunner
from runplane.model.bulk import ItemState, SkipReason
from runplane.store import Database
from runplane.store import bulk as bulk_store
from runplane.store import executions as store
from tests.conftest import FakeClock, fast_settings
from tests.factories import failed_typed, start_bulk


def test_an_item_is_settled_once(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        execution_id = failed_typed(conn, 1).execution_id
    operation = start_bulk(db, "retry", [execution_id], clock=clock)
    with db.write() as conn:
        first = bulk_store.settle_item(
            conn, operation.bulk_id, execution_id, ItemState.DONE, clock.now, result_id="r1"
        )
        second = bulk_store.settle_item(
            conn, operation.bulk_id, execution_id, ItemState.SKIPPED, clock.now,
            reason=SkipReason.FAILED, message="late",
        )  # fmt: skip
    assert (first, second) == (True, False)
    with db.read() as conn:
        (item,) = bulk_store.list_items(conn, operation.bulk_id)
    assert (item.state, item.result_id, item.reason) == (ItemState.DONE, "r1", None)


def test_two_runners_at_once_over_overlapping_operations_retry_each_execution_once(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in range(1, 7)]
    start_bulk(db, "retry", ids, clock=clock)
    start_bulk(db, "retry", ids[2:], clock=clock, actor="user:bob")
    url = db.url.render_as_string(hide_password=False)
    settings = fast_settings(tmp_path, url, bulk_rate=1e6, bulk_max_pending=100)
    moving = lambda: clock.advance(seconds=1)  # noqa: E731  (every reading is a second later)
    runners = [BulkRunner(db, settings, clock=moving) for _ in range(2)]

    def work(runner: BulkRunner) -> None:
        for _ in range(40):
            runner.tick()

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.read() as conn:
        retries = [e.retry_of for e in store.list_executions(conn, limit=100) if e.retry_of]
        assert bulk_store.list_bulk_retried(conn, ids) == set(ids)
    assert sorted(retries) == sorted(ids)
