"""Pipelines with their last run: one statement however many pipelines, newest by
(created_at, execution_id), never-run pipelines included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from runplane.pipelines import registry
from runplane.store import Database
from runplane.views.pipelines import list_pipelines_with_last_run
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_each_pipeline_gets_its_newest_run_in_one_statement(db: Database) -> None:
    with db.write() as conn:
        make_execution(conn, pipeline="runplane.noop", created_at=T0)
        newest_noop = make_execution(conn, pipeline="runplane.noop", created_at=T0 + timedelta(1))
        make_execution(conn, pipeline="runplane.sleep", created_at=T0 + timedelta(2))
        newest_sleep = make_execution(
            conn, pipeline="runplane.sleep", created_at=T0 + timedelta(3), status="failed"
        )
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.read() as conn:
        rows = list_pipelines_with_last_run(conn)
    assert len([s for s in statements if "executions" in s]) == 1
    last = {row.pipeline.name: row.last_run for row in rows}
    assert [row.pipeline.name for row in rows] == registry.names()
    assert last["runplane.noop"] == newest_noop
    assert last["runplane.sleep"] == newest_sleep
    assert last["runplane.fail"] is None


def test_a_tie_on_created_at_is_broken_by_the_execution_id(db: Database) -> None:
    with db.write() as conn:
        runs = [make_execution(conn, pipeline="runplane.noop", created_at=T0) for _ in range(3)]
    with db.read() as conn:
        rows = {row.pipeline.name: row.last_run for row in list_pipelines_with_last_run(conn)}
    assert rows["runplane.noop"] == max(runs, key=lambda e: e.execution_id)
