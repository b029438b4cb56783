"""The fork server watched: killed, it is started again and pending executions run; the
executions it had started finish or end lost; while it cannot start, the executor says so.
Its spare child (forked ahead of need) runs the next execution, is replaced when it is
killed, and never outlives the server."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ErrorClass, ExecutionStatus
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from tests.conftest import fast_settings, wait_for_final, wait_until
from tests.engine.executors.test_local import submit


def fork_server_pid(runtime: ServingRuntime) -> int:
    facts = runtime.executor.facts()
    assert facts.accepting
    server = runtime.executor._forks.server  # type: ignore[attr-defined]
    assert server is not None
    pid: int = server.pid
    return pid


def spare_pid(runtime: ServingRuntime) -> int:
    """The fork server's one child while no execution runs: its waiting spare."""
    wait_until(lambda: runtime.executor.facts().running == 0, what="every run to end")
    children: list[psutil.Process] = []

    def one_child() -> bool:
        children[:] = psutil.Process(fork_server_pid(runtime)).children()
        return len(children) == 1

    wait_until(one_child, what="the fork server's spare")
    return children[0].pid


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def ran_in(db: Database, execution_id: str) -> int | None:
    with db.read() as conn:
        return store.get_execution(conn, execution_id).pid


def test_the_next_execution_runs_in_the_waiting_spare(runtime: ServingRuntime) -> None:
    spare = spare_pid(runtime)
    noop = submit(runtime.db, "runplane.noop")
    assert wait_for_final(runtime.db, noop.execution_id).status is ExecutionStatus.COMPLETED
    assert ran_in(runtime.db, noop.execution_id) == spare
    assert spare_pid(runtime) != spare  # the next one is forked at once


def test_a_killed_spare_is_replaced_and_the_next_execution_still_runs(
    runtime: ServingRuntime,
) -> None:
    spare = spare_pid(runtime)
    os.kill(spare, signal.SIGKILL)
    wait_until(lambda: gone(spare), what="the spare to die")
    noop = submit(runtime.db, "runplane.noop")
    assert wait_for_final(runtime.db, noop.execution_id).status is ExecutionStatus.COMPLETED
    assert ran_in(runtime.db, noop.execution_id) not in (None, spare)
    assert runtime.executor.facts().restarts == 0  # the server itself was not replaced


def test_the_spare_exits_with_its_fork_server(runtime: ServingRuntime) -> None:
    spare = spare_pid(runtime)
    os.kill(fork_server_pid(runtime), signal.SIGKILL)
    wait_until(lambda: gone(spare), what="the spare to exit after its server")


def started(db: Database, execution_id: str) -> bool:
    with db.read() as conn:
        return store.get_execution(conn, execution_id).pid is not None


def test_a_killed_fork_server_is_replaced_and_its_children_finish(
    runtime: ServingRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    db = runtime.db
    sleeper = submit(db, "runplane.sleep", seconds=1.5)
    wait_until(lambda: started(db, sleeper.execution_id), what="the sleep to start")
    with caplog.at_level(logging.WARNING):
        os.kill(fork_server_pid(runtime), signal.SIGKILL)
        after = submit(db, "runplane.noop")
        assert (
            wait_for_final(db, after.execution_id, timeout=20).status is ExecutionStatus.COMPLETED
        )
    assert wait_for_final(db, sleeper.execution_id).status is ExecutionStatus.COMPLETED
    wait_until(lambda: runtime.executor.facts().running == 0, what="the orphan to be let go")
    facts = runtime.executor.facts()
    assert (facts.restarts, facts.accepting, facts.problem) == (1, True, None)
    messages = [r.getMessage() for r in caplog.records]
    assert any("killed by SIGKILL" in m for m in messages), messages
    assert any("a new fork server" in m for m in messages), messages


def test_a_child_that_dies_after_its_fork_server_ends_worker_lost(runtime: ServingRuntime) -> None:
    db = runtime.db
    sleeper = submit(db, "runplane.sleep", seconds=30)
    wait_until(lambda: started(db, sleeper.execution_id), what="the sleep to start")
    os.kill(fork_server_pid(runtime), signal.SIGKILL)
    with db.read() as conn:
        pid = store.get_execution(conn, sleeper.execution_id).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    final = wait_for_final(db, sleeper.execution_id, timeout=20)
    assert final.status is ExecutionStatus.FAILED
    assert final.error is not None
    assert final.error.classification is ErrorClass.WORKER_LOST
    assert "after the fork server that started it had died" in final.error.message


@pytest.fixture
def fragile_runtime(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServingRuntime, Path]]:
    flag = tmp_path / "break-imports"
    monkeypatch.setenv("RUNPLANE_TEST_BREAK_IMPORT", str(flag))
    modules = ["tests.support.pipelines", "tests.support.fragile"]
    settings: Settings = fast_settings(tmp_path, sqlite_url, pipeline_modules=modules)
    db = Database(sqlite_url)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    yield runtime, flag
    runtime.stop()
    db.dispose()


def test_while_no_fork_server_can_start_the_executor_says_why(
    fragile_runtime: tuple[ServingRuntime, Path],
) -> None:
    runtime, flag = fragile_runtime
    flag.touch()
    os.kill(fork_server_pid(runtime), signal.SIGKILL)
    waiting = submit(runtime.db, "runplane.noop")
    wait_until(
        lambda: "failed" in (runtime.executor.facts().problem or ""), what="a failed restart"
    )
    facts = runtime.executor.facts()
    assert not facts.accepting
    assert "killed by SIGKILL" in (facts.problem or "")
    assert "this import fails on purpose" in (facts.problem or "") or "exited" in (
        facts.problem or ""
    )
    with runtime.db.read() as conn:
        held = store.get_execution(conn, waiting.execution_id)
    assert held.status in (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)  # claimed at most
    assert held.pid is None
    flag.unlink()
    final = wait_for_final(runtime.db, waiting.execution_id, timeout=30)
    assert final.status is ExecutionStatus.COMPLETED
    assert runtime.executor.facts().accepting
