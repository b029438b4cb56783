"""kill -9 of the fork server: the executions it started finish, a new one is started with
an event in the server log naming the cause, pending executions start again within
seconds, and /health never reports a stale executor."""

from __future__ import annotations

import signal
import time

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from tests.conftest import wait_until
from tests.faults.conftest import (
    FaultPoint,
    Serve,
    assert_settled,
    pid_alive,
    seconds_since,
    status_of,
    submit,
    tracebacks,
    wait_final,
)

pytestmark = pytest.mark.slow


def test_killed_mid_run_it_is_replaced_and_nothing_waits(serve: Serve) -> None:
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        running = submit(client, "runplane.sleep", seconds=2)
        while status_of(db, running).pid is None:
            time.sleep(0.02)
        killed = time.monotonic()
        serve.fork_server().send_signal(signal.SIGKILL)
        queued = [submit(client, "runplane.noop") for _ in range(3)]
        for execution_id in queued:
            assert wait_final(db, execution_id, timeout=15).status is ExecutionStatus.COMPLETED
        recovered = seconds_since(killed)
        assert wait_final(db, running).status is ExecutionStatus.COMPLETED
        code, health = serve.health()
    print(f"fork server killed: queued runs completed {recovered} s later")
    assert recovered < 10
    assert code == 200
    assert health["status"] == "ok", health["checks"]
    assert health["executor"]["running"] == 0
    assert health["executor"]["restarts"] == 1
    log = serve.text()
    assert log.count("was killed by SIGKILL; restarting it") == 1
    assert "a new fork server" in log
    assert tracebacks(serve) == 0
    assert_settled(db, [running, *queued])
    db.dispose()


def test_killed_just_before_a_claim_the_execution_still_runs_once(
    serve: Serve, fault: FaultPoint
) -> None:
    serve.start(RUNPLANE_FAULT_AT="claim", RUNPLANE_FAULT_DIR=str(fault.folder))
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        execution_id = submit(client, "runplane.noop")
        assert fault.reached("claim")["execution_id"] == execution_id
        fork_server = serve.fork_server()
        fork_server.send_signal(signal.SIGKILL)
        wait_until(lambda: not pid_alive(fork_server.pid), what="it to die before the claim")
        fault.release("claim")
        final = wait_final(db, execution_id, timeout=15)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.attempt == 1
    assert serve.health()[1]["executor"]["restarts"] == 1
    assert_settled(db, [execution_id])
    db.dispose()
