"""A bulk preview: what a filter or ids select, and the reason for each one skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runplane.engine.bulk.preview import preview_bulk
from runplane.engine.errors import InvalidBulk
from runplane.model import ExecutionStatus
from runplane.model.bulk import BulkAction, SkipReason
from runplane.store import Database
from runplane.store import bulk as bulk_store
from runplane.store.executions import ExecutionFilter
from tests.conftest import FakeClock
from tests.factories import failed_typed, make_execution

TYPED = "tests.typed"


def typed(count: int) -> dict[str, object]:
    return {"count": count, "label": "x"}


def test_a_retry_preview_selects_latest_attempts_and_says_why_it_skips_the_others(
    db: Database, clock: FakeClock
) -> None:
    at = clock.now - timedelta(hours=1)
    step = timedelta(minutes=1)
    with db.write() as conn:
        plain = failed_typed(conn, 1, created_at=at)
        done = make_execution(conn, pipeline=TYPED, params=typed(2), created_at=at + step)
        resolved = failed_typed(conn, 3, created_at=at + 2 * step)
        success = make_execution(
            conn, pipeline=TYPED, params=typed(3), retry_of=resolved.execution_id, attempt=2,
            created_at=at + 3 * step,
        )  # fmt: skip
        superseded = failed_typed(conn, 4, created_at=at + 4 * step)
        latest = failed_typed(
            conn, 4, retry_of=superseded.execution_id, attempt=2, created_at=at + 5 * step
        )
        twin_waits = failed_typed(conn, 5, created_at=at + 6 * step)
        make_execution(
            conn, pipeline=TYPED, params=typed(5), status=ExecutionStatus.PENDING,
            created_at=at + 7 * step,
        )  # fmt: skip
        newer_same = failed_typed(conn, 6, created_at=at + 9 * step)
        older_same = failed_typed(conn, 6, created_at=at + 8 * step)
    chosen = [plain, done, resolved, success, superseded, latest, twin_waits, newer_same]
    chosen.append(older_same)
    preview = preview_bulk(
        db, BulkAction.RETRY, actor="user:alice", ids=[e.execution_id for e in chosen], clock=clock
    )
    reasons = {s.execution_id: s.reason for s in preview.skipped}
    assert preview.matched == 9
    assert set(preview.selected) == {
        plain.execution_id,
        latest.execution_id,
        newer_same.execution_id,
    }
    assert reasons == {
        done.execution_id: SkipReason.NOT_ALLOWED,
        success.execution_id: SkipReason.NOT_ALLOWED,
        resolved.execution_id: SkipReason.RESOLVED,
        superseded.execution_id: SkipReason.NOT_LATEST,
        twin_waits.execution_id: SkipReason.IDENTICAL_ACTIVE,
        older_same.execution_id: SkipReason.IDENTICAL_ACTIVE,
    }
    messages = {s.execution_id: s.message for s in preview.skipped}
    assert success.execution_id in messages[resolved.execution_id]
    assert newer_same.execution_id in messages[older_same.execution_id]
    with db.read() as conn:
        stored = bulk_store.find_preview(conn, preview.preview_id)
    assert stored == preview


def test_a_filter_preview_records_the_window_it_looked_at(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        inside = failed_typed(conn, 1, created_at=clock.now - timedelta(hours=2))
        failed_typed(conn, 2, created_at=clock.now - timedelta(days=2))
        make_execution(conn, created_at=clock.now - timedelta(hours=1))
    window = ExecutionFilter(
        statuses=frozenset({ExecutionStatus.FAILED}), since=clock.now - timedelta(days=1)
    )
    shown = {"status": ["failed"], "since": "2025-12-21T08:00:00Z", "until": None}
    preview = preview_bulk(
        db, BulkAction.RETRY, actor="user:alice", filter=window, filter_json=shown, clock=clock
    )
    assert (preview.matched, preview.selected, preview.skipped) == (1, (inside.execution_id,), ())
    assert preview.filter == shown
    assert preview.expires_at > preview.created_at == clock.now


def test_a_cancel_preview_skips_executions_that_already_ended(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        waiting = make_execution(conn, status=ExecutionStatus.PENDING)
        running = make_execution(conn, status=ExecutionStatus.RUNNING)
        ended = make_execution(conn, status=ExecutionStatus.COMPLETED)
    ids = [waiting.execution_id, running.execution_id, ended.execution_id]
    preview = preview_bulk(db, BulkAction.CANCEL, actor="user:alice", ids=ids, clock=clock)
    assert set(preview.selected) == {waiting.execution_id, running.execution_id}
    assert [(s.execution_id, s.reason) for s in preview.skipped] == [
        (ended.execution_id, SkipReason.NOT_ALLOWED)
    ]


def test_a_selection_that_is_missing_doubled_or_too_large_is_refused(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        for n in range(1, 4):
            failed_typed(conn, n)
    everything = ExecutionFilter()
    with pytest.raises(InvalidBulk, match="either filter or ids"):
        preview_bulk(db, BulkAction.RETRY, actor="user:a", clock=clock)
    with pytest.raises(InvalidBulk, match="either filter or ids"):
        preview_bulk(db, BulkAction.RETRY, actor="user:a", filter=everything, ids=["x"])
    with pytest.raises(InvalidBulk, match="matches more than 2 executions; narrow it"):
        preview_bulk(db, BulkAction.RETRY, actor="user:a", filter=everything, max_set=2)
    with pytest.raises(InvalidBulk, match="ids is empty"):
        preview_bulk(db, BulkAction.RETRY, actor="user:a", ids=[])
