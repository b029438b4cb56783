"""Earlier successes of a pipeline: newest first, before a position, completed only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.store import Database
from runplane.store.successes import list_success_keys
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_keys_are_earlier_completed_runs_newest_first(db: Database) -> None:
    with db.write() as conn:
        old = make_execution(conn, created_at=T0, params={"n": 1})
        make_execution(conn, created_at=T0 + timedelta(minutes=1), status="failed")
        make_execution(conn, created_at=T0 + timedelta(minutes=2), status="dry_run", dry_run=True)
        make_execution(conn, created_at=T0 + timedelta(minutes=3), pipeline="runplane.sleep")
        new = make_execution(conn, created_at=T0 + timedelta(minutes=4), params={"n": 2})
        this = make_execution(conn, created_at=T0 + timedelta(minutes=5))
        make_execution(conn, created_at=T0 + timedelta(minutes=6))
    position = (this.created_at, this.execution_id)
    with db.read() as conn:
        keys = list_success_keys(conn, "runplane.noop", position, limit=10)
        assert keys == [
            (new.execution_id, new.created_at, {"n": 2}),
            (old.execution_id, old.created_at, {"n": 1}),
        ]
        assert [k[0] for k in list_success_keys(conn, "runplane.noop", position, limit=1)] == [
            new.execution_id
        ]
        narrowed = list_success_keys(
            conn, "runplane.noop", position, limit=10, params_hash=old.params_hash
        )
        assert [k[0] for k in narrowed] == [old.execution_id]
