"""kill -9 of `serve` in the middle of a bulk retry, inside the transaction that retries one
item: after the restart the operation goes on and every execution is retried exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from runplane.model.bulk import BulkState, ItemState
from runplane.store import Database
from runplane.store import bulk as bulk_store
from runplane.store.tables import executions
from tests.conftest import wait_until
from tests.factories import failed_typed
from tests.faults.conftest import FaultPoint, Serve

pytestmark = pytest.mark.slow


def retries_of(db: Database, execution_id: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                select(func.count()).where(executions.c.retry_of == execution_id)
            ).scalar_one()
        )


def test_serve_killed_mid_operation_resumes_without_a_duplicate_retry(
    serve: Serve, fault: FaultPoint
) -> None:
    db = Database(serve.settings.resolved_database_url)
    with db.write() as conn:
        failed = [failed_typed(conn, n).execution_id for n in range(1, 6)]
    serve.start(RUNPLANE_FAULT_AT="bulk-item", RUNPLANE_FAULT_DIR=str(fault.folder))
    with serve.client() as client:
        preview = client.post(
            "/v1/bulk", json={"action": "retry", "ids": failed, "preview": True}
        ).json()
        started = client.post("/v1/bulk", json={"preview_id": preview["preview_id"], "max": 5})
        assert started.status_code == 201, started.text
    bulk_id = started.json()["bulk_id"]
    paused_on = fault.reached("bulk-item")["execution_id"]
    serve.kill()  # the retry and its item's mark were one transaction: neither is there
    assert retries_of(db, paused_on) == 0
    with db.read() as conn:
        queued = {i.execution_id for i in bulk_store.next_queued(conn, bulk_id, 10)}
    assert paused_on in queued
    serve.start()

    def ended() -> bool:
        with db.read() as conn:
            found = bulk_store.find_operation(conn, bulk_id)
        return found is not None and found.state is BulkState.COMPLETED

    wait_until(ended, timeout=30, what="the bulk operation to complete after the restart")
    with db.read() as conn:
        items = bulk_store.list_items(conn, bulk_id)
    assert {i.state for i in items} == {ItemState.DONE}
    assert [retries_of(db, i) for i in failed] == [1] * 5
    assert len({i.result_id for i in items}) == 5
    db.dispose()
