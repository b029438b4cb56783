"""Detecting lost executions: stale heartbeats, dead worker processes, vanished pids."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

from runplane.engine.serving.recovery import recover_lost_executions
from runplane.model import ErrorClass, ExecutionStatus, Worker
from runplane.model.cost import GB
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import resources as resource_store
from runplane.store import workers as worker_store
from runplane.store.resources import ResourceSample
from tests.conftest import FakeClock
from tests.factories import make_execution


def register(
    db: Database, clock: FakeClock, *, host: str, pid: int, started: float, beat_ago: float
) -> Worker:
    worker = Worker(
        worker_id=f"w-{host}-{pid}",
        host=host,
        pid=pid,
        process_started_at=started,
        kind="serve",
        started_at=clock.now - timedelta(hours=1),
        heartbeat_at=clock.now - timedelta(seconds=beat_ago),
    )
    with db.write() as conn:
        worker_store.insert_worker(conn, worker)
    return worker


def test_a_remote_worker_with_a_stale_heartbeat_loses_its_executions(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    stale = register(
        db, clock, host="elsewhere", pid=1, started=0.0, beat_ago=settings.worker_timeout + 1
    )
    fresh = register(db, clock, host="elsewhere-too", pid=2, started=0.0, beat_ago=1)
    with db.write() as conn:
        lost = make_execution(conn, status="running", worker_id=stale.worker_id)
        alive = make_execution(conn, status="running", worker_id=fresh.worker_id)
    assert recover_lost_executions(db, settings, clock=clock) == [lost.execution_id]
    with db.read() as conn:
        failed = store.get_execution(conn, lost.execution_id)
        assert store.get_execution(conn, alive.execution_id).status is ExecutionStatus.RUNNING
    assert failed.status is ExecutionStatus.FAILED
    assert failed.error is not None
    assert failed.error.classification is ErrorClass.WORKER_LOST
    assert "sent no heartbeat" in failed.error.message


def test_a_dead_worker_process_on_this_host_is_detected_without_waiting(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    worker = register(db, clock, host=socket.gethostname(), pid=gone.pid, started=1.0, beat_ago=0)
    with db.write() as conn:
        lost = make_execution(conn, status="running", worker_id=worker.worker_id)
    assert recover_lost_executions(db, settings, clock=clock) == [lost.execution_id]


def test_an_orphaned_process_of_a_lost_execution_is_killed(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    import psutil

    dead_worker = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_worker.wait()
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        worker = register(
            db, clock, host=socket.gethostname(), pid=dead_worker.pid, started=1.0, beat_ago=0
        )
        with db.write() as conn:
            make_execution(
                conn,
                status="running",
                worker_id=worker.worker_id,
                pid=orphan.pid,
                process_started_at=psutil.Process(orphan.pid).create_time(),
            )
        recover_lost_executions(db, settings, clock=clock)
        assert orphan.wait(timeout=5) == -9
    finally:
        orphan.kill()


def test_a_live_worker_on_this_host_keeps_its_executions(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    import psutil

    me = os.getpid()
    worker = register(
        db,
        clock,
        host=socket.gethostname(),
        pid=me,
        started=psutil.Process(me).create_time(),
        beat_ago=0,
    )
    with db.write() as conn:
        make_execution(conn, status="running", worker_id=worker.worker_id)
    assert recover_lost_executions(db, settings, clock=clock) == []


def test_the_recovering_worker_leaves_its_own_executions_alone(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    stale = register(db, clock, host="elsewhere", pid=1, started=0.0, beat_ago=999)
    with db.write() as conn:
        make_execution(conn, status="running", worker_id=stale.worker_id)
    assert recover_lost_executions(db, settings, me=stale.worker_id, clock=clock) == []


def test_a_lost_execution_is_priced_from_its_samples(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    stale = register(
        db, clock, host="elsewhere", pid=1, started=0.0, beat_ago=settings.worker_timeout + 1
    )
    started = clock.now - timedelta(seconds=10)
    with db.write() as conn:
        lost = make_execution(conn, status="running", worker_id=stale.worker_id, created_at=started)
        resource_store.insert_samples(
            conn, [ResourceSample(lost.execution_id, started + timedelta(seconds=5), 50.0, GB, 2.5)]
        )
    assert recover_lost_executions(db, settings, clock=clock) == [lost.execution_id]
    with db.read() as conn:
        failed = store.get_execution(conn, lost.execution_id)
    assert failed.cost is not None
    assert failed.cost.cpu_seconds == 2.5
    assert failed.cost.gb_seconds == 10.0  # 1 GB held for the 10 s it ran
    assert failed.cost.rates_version == settings.rate_card.default.version
