"""kill -9 of `serve` and of an execution's process at chosen points (before the claim,
mid-run, during the publish, during the final write): nothing stays `running` without a
process, nothing is half-published, an accepted submission runs exactly once or ends
lost, and /health is ok once the server is back."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from runplane.domains.finra_otc.tables import CAPTURE_TABLES
from runplane.model import ErrorClass, EventKind, ExecutionStatus
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import events as event_store
from tests.conftest import wait_until
from tests.domains.finra_otc.conftest import place_real_weeks
from tests.faults.conftest import (
    FaultPoint,
    Serve,
    assert_settled,
    pid_alive,
    seconds_since,
    status_of,
    submit,
    wait_final,
)

pytestmark = pytest.mark.slow


def fault_env(fault: FaultPoint, point: str) -> dict[str, str]:
    return {"RUNPLANE_FAULT_AT": point, "RUNPLANE_FAULT_DIR": str(fault.folder)}


def nothing_published(db: Database, execution_id: str) -> bool:
    with db.read() as conn:
        return all(
            c.published_at is None
            for c in capture_store.list_execution_captures(conn, execution_id)
        )


def rows_under(db: Database, capture_id: str) -> int:
    with db.read() as conn:
        return capture_store.count_capture_rows(conn, CAPTURE_TABLES, [capture_id])


@pytest.mark.shared_data
def test_serve_killed_while_an_ingest_publishes_leaves_no_rows_behind(
    serve: Serve, fault: FaultPoint, finra_dir: Path
) -> None:
    place_real_weeks(finra_dir, serve.settings.data_dir)
    serve.start(**fault_env(fault, "publish"))
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        execution_id = submit(
            client, "finra.otc_transparency.ingest_week", week_ending="2025-12-22"
        )
    child = fault.reached("publish")["pid"]
    capture_id = status_of(db, execution_id).capture_id
    written = rows_under(db, capture_id)
    assert written > 5_000  # the week's lines, raw and validated
    serve.kill()
    wait_until(lambda: not pid_alive(child), timeout=10, what="the run to exit with its lifeline")
    restarted = time.monotonic()
    serve.start()
    final = wait_final(db, execution_id, timeout=20)
    wait_until(lambda: rows_under(db, capture_id) == 0, timeout=10, what="the sweep")
    print(f"{written:,} unpublished rows deleted {seconds_since(restarted)} s after the restart")
    assert final.status is ExecutionStatus.FAILED
    with db.read() as conn:
        events = event_store.list_events(conn, execution_id)
        assert capture_store.list_execution_captures(conn, execution_id) == []
    discarded = [e.detail for e in events if e.kind is EventKind.DISCARDED]
    assert discarded == [{"capture_id": capture_id, "rows": written}]
    assert serve.health()[1]["status"] == "ok"
    assert_settled(db, [execution_id])
    db.dispose()


def test_serve_killed_before_a_claim_runs_it_once_after_restart(
    serve: Serve, fault: FaultPoint
) -> None:
    serve.start(**fault_env(fault, "claim"))
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        execution_id = submit(client, "runplane.noop")
    fault.reached("claim")
    serve.kill()
    serve.start()
    final = wait_final(db, execution_id, timeout=20)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.attempt == 1
    code, health = serve.health()
    assert code == 200
    assert health["status"] == "ok", health["checks"]
    assert_settled(db, [execution_id])
    db.dispose()


@pytest.mark.parametrize("point", ["mid-run", "publish"])
def test_serve_killed_while_a_run_is_at_a_point_ends_it_lost_after_restart(
    serve: Serve, fault: FaultPoint, point: str
) -> None:
    serve.start(**fault_env(fault, point))
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        execution_id = submit(client, "tests.fill", rows=25_000, batch=5_000)
    child = fault.reached(point)["pid"]
    serve.kill()
    wait_until(lambda: not pid_alive(child), timeout=10, what="the run to exit with its lifeline")
    restarted = time.monotonic()
    serve.start()
    final = wait_final(db, execution_id, timeout=20)
    recovered = seconds_since(restarted)
    print(f"serve killed at {point}: {final.status} {recovered} s after the restart began")
    assert final.status is ExecutionStatus.FAILED
    assert final.error is not None
    assert final.error.classification is ErrorClass.WORKER_LOST
    assert nothing_published(db, execution_id)
    assert serve.health()[1]["status"] == "ok"
    assert_settled(db, [execution_id])
    db.dispose()


@pytest.mark.parametrize("point", ["mid-run", "publish", "final-write"])
def test_a_run_killed_at_a_point_ends_lost_and_publishes_nothing(
    serve: Serve, fault: FaultPoint, point: str
) -> None:
    serve.start(**fault_env(fault, point))
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        execution_id = submit(client, "tests.fill", rows=25_000, batch=5_000)
        os.kill(fault.reached(point)["pid"], signal.SIGKILL)
        final = wait_final(db, execution_id, timeout=20)
        fault.release(point)
        after = submit(client, "tests.fill", rows=100)
        assert wait_final(db, after).status is ExecutionStatus.COMPLETED
    assert final.status is ExecutionStatus.FAILED
    assert final.error is not None
    assert final.error.classification is ErrorClass.WORKER_LOST
    assert "killed by SIGKILL" in final.error.message
    assert nothing_published(db, execution_id)
    assert not nothing_published(db, after)
    assert serve.health()[1]["status"] == "ok"
    assert_settled(db, [execution_id, after])
    db.dispose()
