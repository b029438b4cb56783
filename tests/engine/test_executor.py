"""The local executor with real processes: run, fail, cancel, kill, recover."""

from __future__ import annotations

from runplane.engine.runtime import ServingRuntime
from runplane.engine.service import submit_execution
from runplane.model import ExecutionStatus, Trigger
from runplane.store import logs as log_store
from tests.conftest import wait_for_final


def test_noop_runs_to_completion_in_its_own_process(runtime: ServingRuntime) -> None:
    execution = submit_execution(
        runtime.db, "runplane.noop", {}, trigger=Trigger.API, triggered_by="local"
    )
    final = wait_for_final(runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.pid is not None
    assert final.worker_id == runtime.registration.worker.worker_id
    with runtime.db.read() as conn:
        lines = [line.message for line in log_store.list_log_lines(conn, execution.execution_id)]
    assert lines[0].startswith("Starting runplane.noop")
    assert lines[-1] == "Execution complete: COMPLETED"
