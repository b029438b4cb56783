"""A serve loop with a lease, shown with two bulk runners on one database: only the holder's
passes act, its thread takes the lease, and stopping gives it to the other at once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from runplane.engine.serving.bulk_runner import BulkRunner
from runplane.engine.serving.lease import Lease
from runplane.store import Database
from runplane.store import leases as lease_store
from runplane.store.tables import executions
from tests.conftest import FakeClock, fast_settings, wait_until
from tests.factories import failed_typed, start_bulk


def runner(db: Database, tmp_path: Path, clock: FakeClock, holder: str) -> BulkRunner:
    url = db.url.render_as_string(hide_password=False)
    settings = fast_settings(tmp_path, url, bulk_rate=1, bulk_max_pending=100)
    return BulkRunner(
        db, settings, clock=clock, lease=Lease(db, "bulk-runner", holder, 15, clock=clock)
    )


def retried(db: Database) -> int:
    with db.read() as conn:
        query = select(func.count()).where(executions.c.retry_of.is_not(None))
        return int(conn.execute(query).scalar_one())


def passes(loop: BulkRunner, clock: FakeClock, n: int = 3) -> list[bool]:
    """Several passes a second apart (each acts on one item at the test's rate)."""
    ran = []
    for _ in range(n):
        clock.advance(seconds=1)
        ran.append(loop.step())
    return ran


def test_only_the_lease_holders_pass_acts_until_it_stops(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in range(1, 5)]
    start_bulk(db, "retry", ids[:2], clock=clock)
    first, second = (runner(db, tmp_path, clock, h) for h in ("worker-a", "worker-b"))
    assert passes(first, clock) == [True] * 3
    assert retried(db) == 2
    start_bulk(db, "retry", ids[2:], clock=clock)
    assert passes(second, clock) == [False] * 3
    assert retried(db) == 2, "a runner without the lease must not act"
    first.stop()
    assert passes(second, clock) == [True] * 3
    assert retried(db) == 4
    assert passes(first, clock, 1) == [False]


def test_the_thread_holds_the_lease_while_it_runs_and_releases_it_on_stop(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    loop = runner(db, tmp_path, clock, "worker-a")

    def holders() -> list[str]:
        with db.read() as conn:
            return [h.holder for h in lease_store.list_leases(conn, now=clock())]

    loop.start()
    try:
        wait_until(lambda: holders() == ["worker-a"], timeout=10, what="the lease taken")
        assert loop.alive
    finally:
        loop.stop()
    assert not loop.alive
    assert holders() == []
