"""A full disk while serving: a run whose final write fails hands its result to the executor,
which writes it once space is back; writes answer 503 `storage-full` (the API and the
dashboard's forms alike), `/health` says down, and everything answers again once the
disk has room. On a tmpfs the test fills and frees; without root, a SQLite page cap on
every process's connections stands in for the full disk."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from runplane.store import logs as log_store
from tests.conftest import wait_until
from tests.faults.conftest import (
    FaultPoint,
    Serve,
    assert_settled,
    pid_alive,
    post_form,
    seconds_since,
    serve_on,
    status_of,
    submit,
    tracebacks,
    wait_final,
)
from tests.support.disks import SmallDisk, mountable, small_disk

pytestmark = pytest.mark.slow


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    if not mountable():  # the page-cap test below covers this machine
        pytest.skip("no tmpfs can be mounted here; the page-cap test stands in for a full disk")
    with small_disk(tmp_path / "disk", size_mb=24) as mounted:
        yield mounted


@pytest.fixture
def full_serve(tmp_path: Path, disk: SmallDisk) -> Iterator[Serve]:
    server = serve_on(tmp_path, f"sqlite:///{disk.folder / 'runplane.db'}")
    yield server
    disk.free()
    server.stop()


def test_a_result_that_cannot_be_written_is_written_once_space_is_back(
    full_serve: Serve, disk: SmallDisk, fault: FaultPoint
) -> None:
    serve = full_serve
    serve.start(RUNPLANE_FAULT_AT="final-write", RUNPLANE_FAULT_DIR=str(fault.folder))
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        sleeper = submit(client, "runplane.sleep", seconds=0.5)
        fault.reached("final-write")
        disk.fill()
        fault.release("final-write")
        wait_until(lambda: serve.health()[1]["executor"]["unrecorded"] == 1, timeout=20,
                   what="the executor to hold the result")  # fmt: skip
        code, health = serve.health()
        assert code == 503
        assert health["status"] == "down"
        assert "full" in health["message"]
        assert status_of(db, sleeper).status is ExecutionStatus.RUNNING  # its process is gone
        refused = client.post("/v1/pipelines/runplane.noop/run")
        assert refused.status_code == 503
        assert refused.json()["type"] == "urn:runplane:problem:storage-full"
        form = post_form(client, "/dashboard/pipelines/runplane.sleep/run", {"p.seconds": "0.2"})
        assert form.status_code == 503
        assert "Nothing was changed" in form.text
        freed = time.monotonic()
        disk.free()
        final = wait_final(db, sleeper, timeout=20)
        recovered = seconds_since(freed)
        assert final.status is ExecutionStatus.COMPLETED
        with db.read() as conn:
            lines = log_store.list_log_lines(conn, sleeper, limit=None)
        assert lines[-1].message == "Execution complete: COMPLETED"
        wait_until(lambda: serve.health()[0] == 200, timeout=20, what="/health to recover")
        after = submit(client, "runplane.noop")
        assert wait_final(db, after).status is ExecutionStatus.COMPLETED
    print(f"disk full at the final write: completed {recovered} s after space came back")
    assert recovered < 10
    assert tracebacks(serve) == 0
    assert_settled(db, [sleeper, after])
    db.dispose()


def test_a_disk_that_fills_mid_run_does_not_keep_a_finished_run_running(
    full_serve: Serve, disk: SmallDisk
) -> None:
    serve = full_serve
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        sleeper = submit(client, "runplane.sleep", seconds=2, lines_per_second=200)
        wait_until(lambda: status_of(db, sleeper).pid is not None, what="the sleep to start")
        pid = status_of(db, sleeper).pid
        assert pid is not None
        disk.fill()
        wait_until(lambda: not pid_alive(pid), timeout=20, what="the run's process to end")
        assert status_of(db, sleeper).status is ExecutionStatus.RUNNING  # its result is held
        disk.free()
        final = wait_final(db, sleeper, timeout=20)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.duration_seconds is not None
    assert final.duration_seconds < 2 + serve.settings.final_write_timeout + 2  # when it ended
    with db.read() as conn:
        lines = log_store.list_log_lines(conn, sleeper, limit=None)
    assert sum(1 for line in lines if line.message.startswith("tick")) == final.rows_processed
    assert_settled(db, [sleeper])
    db.dispose()


def test_a_page_cap_on_every_connection_refuses_writes_as_storage_full(tmp_path: Path) -> None:
    """Where no tmpfs can be mounted: the same refusals from a capped SQLite file."""
    url = f"sqlite:///{tmp_path / 'capped.db'}"
    serve = serve_on(tmp_path, url, pipeline_modules=["tests.support.pipelines"])
    db = Database(url)
    with db.read() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    serve.settings = serve.settings.model_copy(update={"sqlite_max_page_count": pages + 40})
    serve.start()
    try:
        with serve.client() as client:
            filler = submit(client, "tests.fill", rows=200_000, batch=5000)
            final = wait_final(db, filler, timeout=60)
            assert final.status is ExecutionStatus.FAILED
            assert final.error is not None
            assert final.error.title.startswith("Storage full")
            for _ in range(200):  # the last free bytes take a few small inserts
                response = client.post("/v1/pipelines/runplane.noop/run")
                if response.status_code != 201:
                    break
            assert response.status_code == 503
            assert response.json()["type"] == "urn:runplane:problem:storage-full"
            wait_until(lambda: serve.health()[0] == 503, timeout=20, what="/health to say down")
    finally:
        serve.stop()
    db.dispose()
