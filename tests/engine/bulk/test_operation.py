"""A bulk operation acts on exactly its preview's set, re-checks each execution as it is
reached, never retries one twice, and records one audit entry per execution."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from runplane.engine.bulk.operation import cancel_operation, start_operation
from runplane.engine.bulk.preview import preview_bulk
from runplane.engine.errors import BulkRefused
from runplane.engine.service import cancel_execution, retry_execution
from runplane.engine.serving.bulk_runner import BulkRunner
from runplane.model import ExecutionStatus, Trigger
from runplane.model.audit import AuditAction, Origin
from runplane.model.bulk import BulkAction, BulkState, ItemState, SkipReason
from runplane.model.json import execution_json
from runplane.store import Database, NotFound
from runplane.store import audit as audit_store
from runplane.store import bulk as bulk_store
from runplane.store import executions as store
from runplane.store.tables import bulk_operations
from tests.conftest import FakeClock, fast_settings
from tests.factories import failed_typed, make_execution, start_bulk

ALICE = Origin(actor="user:alice", address="10.0.0.7")


def run_to_end(db: Database, tmp_path: Path, clock: FakeClock, **settings: object) -> None:
    """Tick a runner (no rate limit to speak of) until no operation is running."""
    url = db.url.render_as_string(hide_password=False)
    runner = BulkRunner(db, fast_settings(tmp_path, url, bulk_rate=1e6, **settings), clock=clock)
    for _ in range(100):
        runner.tick()
        clock.advance(seconds=1)
        with db.read() as conn:
            if not bulk_store.list_running(conn):
                return
    raise AssertionError("the bulk operation did not end")


def retries_of(db: Database, execution_id: str) -> list[str]:
    with db.read() as conn:
        return [e.execution_id for e in store.list_executions(conn) if e.retry_of == execution_id]


def test_the_action_retries_exactly_the_previewed_set(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        chosen = [failed_typed(conn, n) for n in range(1, 5)]
        skipped = make_execution(conn)
    ids = [e.execution_id for e in chosen] + [skipped.execution_id]
    preview = preview_bulk(db, BulkAction.RETRY, actor="user:alice", ids=ids, clock=clock)
    operation = start_operation(
        db, preview.preview_id, max_executions=4, origin=ALICE, trigger=Trigger.MANUAL,
        clock=clock,
    )  # fmt: skip
    with db.write() as conn:
        failed_typed(conn, 9)  # matches a filter now, but the set was fixed by the preview
    run_to_end(db, tmp_path, clock)
    with db.read() as conn:
        items = bulk_store.list_items(conn, operation.bulk_id)
        final = bulk_store.find_operation(conn, operation.bulk_id)
        retries = {i.result_id: store.get_execution(conn, str(i.result_id)) for i in items}
    assert final is not None
    assert final.state is BulkState.COMPLETED
    assert [i.execution_id for i in items] == list(preview.selected)
    assert {i.state for i in items} == {ItemState.DONE}
    assert {r.retry_of for r in retries.values()} == set(preview.selected)
    for retry in retries.values():
        assert retry.bulk_id == operation.bulk_id
        assert execution_json(retry)["bulk_id"] == operation.bulk_id
        assert (retry.trigger, retry.triggered_by, retry.attempt) == (
            Trigger.MANUAL, "user:alice", 2,
        )  # fmt: skip


def test_an_execution_that_changed_after_the_preview_is_skipped_with_its_reason(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        retried_meanwhile, untouched = failed_typed(conn, 1), failed_typed(conn, 2)
        waiting = make_execution(conn, status=ExecutionStatus.PENDING)
    retry_op = start_bulk(
        db, "retry", [retried_meanwhile.execution_id, untouched.execution_id], clock=clock
    )
    cancel_op = start_bulk(db, "cancel", [waiting.execution_id], clock=clock)
    retry_execution(
        db, retried_meanwhile.execution_id, trigger=Trigger.MANUAL, triggered_by="user:bob"
    )
    cancel_execution(db, waiting.execution_id, by="user:bob", grace_seconds=1)
    run_to_end(db, tmp_path, clock)
    with db.read() as conn:
        retry_items = {i.execution_id: i for i in bulk_store.list_items(conn, retry_op.bulk_id)}
        (cancel_item,) = bulk_store.list_items(conn, cancel_op.bulk_id)
    assert retry_items[retried_meanwhile.execution_id].reason is SkipReason.NOT_LATEST
    assert retry_items[untouched.execution_id].state is ItemState.DONE
    assert (cancel_item.state, cancel_item.reason) == (ItemState.SKIPPED, SkipReason.NOT_ALLOWED)
    assert "already ended cancelled" in str(cancel_item.message)
    assert len(retries_of(db, retried_meanwhile.execution_id)) == 1


def test_more_executions_than_max_is_refused_and_writes_nothing(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in range(1, 4)]
    preview = preview_bulk(db, BulkAction.RETRY, actor="user:alice", ids=ids, clock=clock)
    with pytest.raises(BulkRefused, match="selects 3 executions, more than max 2"):
        start_operation(db, preview.preview_id, max_executions=2, origin=ALICE, clock=clock)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(bulk_operations)).scalar_one() == 0
    start_operation(db, preview.preview_id, max_executions=3, origin=ALICE, clock=clock)
    with pytest.raises(BulkRefused, match="already started bulk operation"):
        start_operation(db, preview.preview_id, max_executions=3, origin=ALICE, clock=clock)
    with pytest.raises(NotFound, match="no bulk preview"):
        start_operation(db, "no-such-preview", max_executions=3, origin=ALICE, clock=clock)


def test_an_expired_preview_is_refused(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, 1).execution_id]
    preview = preview_bulk(
        db, BulkAction.RETRY, actor="user:alice", ids=ids, ttl_seconds=60, clock=clock
    )
    clock.advance(seconds=61)
    with pytest.raises(BulkRefused, match="expired; make a new preview"):
        start_operation(db, preview.preview_id, max_executions=1, origin=ALICE, clock=clock)


def test_two_overlapping_operations_never_retry_the_same_execution_twice(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        shared = [failed_typed(conn, n).execution_id for n in range(1, 4)]
        own = failed_typed(conn, 4).execution_id
    first = start_bulk(db, "retry", shared, clock=clock)
    second = start_bulk(db, "retry", [*shared, own], clock=clock, actor="user:bob")
    run_to_end(db, tmp_path, clock)
    for execution_id in [*shared, own]:
        assert len(retries_of(db, execution_id)) == 1
    with db.read() as conn:
        both = [
            {i.execution_id: i for i in bulk_store.list_items(conn, op.bulk_id)}
            for op in (first, second)
        ]
    for execution_id in shared:
        states = sorted((str(items[execution_id].state), str(items[execution_id].reason))
                        for items in both)  # fmt: skip
        assert states == [("done", "None"), ("skipped", "already_bulk_retried")]
    assert both[1][own].state is ItemState.DONE


def test_the_database_holds_the_marker_unique_per_execution(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        execution_id = failed_typed(conn, 1).execution_id
        bulk_store.mark_bulk_retried(conn, execution_id, "bulk-a", "retry-a", clock.now)
    with pytest.raises(IntegrityError), db.write() as conn:
        bulk_store.mark_bulk_retried(conn, execution_id, "bulk-b", "retry-b", clock.now)


def test_the_trail_has_one_entry_for_the_operation_and_one_per_execution(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        failed = [failed_typed(conn, n).execution_id for n in range(1, 3)]
        waiting = make_execution(conn, status=ExecutionStatus.PENDING).execution_id
    retry_op = start_bulk(db, "retry", failed, clock=clock)
    cancel_op = start_bulk(db, "cancel", [waiting], clock=clock)
    run_to_end(db, tmp_path, clock)
    with db.read() as conn:
        entries = audit_store.list_entries(conn, audit_store.AuditFilter(), limit=50)
        cancelled = store.get_execution(conn, waiting)
    found = sorted((str(e.action), e.target, e.detail.get("bulk_id")) for e in entries)
    assert found == sorted(
        [
            ("bulk.start", f"bulk:{retry_op.bulk_id}", None),
            ("bulk.start", f"bulk:{cancel_op.bulk_id}", None),
            *[("execution.retry", f"execution:{i}", retry_op.bulk_id) for i in failed],
            ("execution.cancel", f"execution:{waiting}", cancel_op.bulk_id),
        ]
    )
    assert {e.actor for e in entries} == {"user:alice"}
    assert {e.address for e in entries} == {"10.0.0.7"}
    assert cancelled.status is ExecutionStatus.CANCELLED
    assert execution_json(cancelled)["bulk_id"] == cancel_op.bulk_id
    start = next(e for e in entries if e.action is AuditAction.BULK_START)
    assert start.detail["selected"] in (1, 2)


def test_a_cancelled_operation_skips_what_it_did_not_reach(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in range(1, 4)]
    operation = start_bulk(db, "retry", ids, clock=clock)
    cancelled = cancel_operation(db, operation.bulk_id, origin=ALICE, clock=clock)
    assert (cancelled.state, cancelled.cancelled_by) == (BulkState.CANCELLED, "user:alice")
    run_to_end(db, tmp_path, clock)
    with db.read() as conn:
        items = bulk_store.list_items(conn, operation.bulk_id)
    assert {(i.state, i.reason) for i in items} == {
        (ItemState.SKIPPED, SkipReason.OPERATION_CANCELLED)
    }
    assert all(retries_of(db, i) == [] for i in ids)
    with pytest.raises(BulkRefused, match="already cancelled"):
        cancel_operation(db, operation.bulk_id, origin=ALICE, clock=clock)
