"""The executor inside a Celery worker: it runs what a task hands it and releases the task
when the run ended, when the claim was refused, or when the run waits for its children."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from runplane.engine import service
from runplane.engine.distributed.held import HeldExecutor
from runplane.model import EventKind, ExecutionStatus, Trigger
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from tests.conftest import wait_for_final


@pytest.fixture
def held(sqlite_db: Database, sqlite_settings: Settings) -> Iterator[HeldExecutor]:
    executor = HeldExecutor(
        sqlite_db, sqlite_settings, worker_id="w-held", host="127.0.0.1", actor="worker:w-held"
    )
    executor.start()
    yield executor
    executor.stop()


def _submit(db: Database, pipeline: str = "runplane.noop", **params: object) -> str:
    return service.submit_execution(
        db, pipeline, params, trigger=Trigger.API, triggered_by="test"
    ).execution_id


def test_it_runs_what_it_is_handed_and_nothing_else(
    held: HeldExecutor, sqlite_db: Database
) -> None:
    handed, left = _submit(sqlite_db), _submit(sqlite_db)
    assert held.run_offered(handed) is True
    assert wait_for_final(sqlite_db, handed).status is ExecutionStatus.COMPLETED
    with sqlite_db.read() as conn:
        assert store.get_execution(conn, left).status is ExecutionStatus.PENDING
        (started,) = [
            e for e in event_store.list_events(conn, handed) if e.kind is EventKind.STARTED
        ]
    assert started.actor == "worker:w-held"


def test_a_second_message_for_the_same_execution_runs_nothing(
    held: HeldExecutor, sqlite_db: Database
) -> None:
    execution_id = _submit(sqlite_db)
    assert held.run_offered(execution_id) is True
    assert held.run_offered(execution_id) is False
    assert held.run_offered("no-such-execution") is False
    with sqlite_db.read() as conn:
        events = event_store.list_events(conn, execution_id)
    assert [e.kind for e in events].count(EventKind.STARTED) == 1


def test_a_run_waiting_for_its_children_gives_its_task_back(
    held: HeldExecutor, sqlite_db: Database
) -> None:
    parent = _submit(sqlite_db, "tests.fan_out", n=2)
    released = threading.Event()
    threading.Thread(target=lambda: (held.run_offered(parent), released.set())).start()
    assert released.wait(30)
    with sqlite_db.read() as conn:
        assert store.get_execution(conn, parent).status is ExecutionStatus.RUNNING
        children = store.list_children(conn, parent)
    assert len(children) == 2
    for child in children:  # what the children's own messages would do
        assert held.run_offered(child.execution_id) is True
    assert wait_for_final(sqlite_db, parent).status is ExecutionStatus.COMPLETED
