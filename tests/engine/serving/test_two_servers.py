"""Two real `runplane serve` processes on one PostgreSQL database: each background loop runs
in one of them at a time (its lease), a failure is notified exactly once, a bulk retry
retries each execution exactly once, and when the holder stops the other takes over."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from runplane.model.bulk import BulkState, ItemState
from runplane.model.notification import DeliveryState
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import bulk as bulk_store
from runplane.store import leases as lease_store
from runplane.store import notifications as notification_store
from runplane.store import workers as worker_store
from runplane.store.tables import executions
from tests.api.conftest import Server, start_server
from tests.conftest import fast_settings, postgres_copy, wait_for_final, wait_until
from tests.factories import failed_typed, make_rule
from tests.support.receivers import HttpReceiver, http_receiver

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LOOPS = {"bulk-runner", "capture-sweep", "notifications", "sla-watch"}
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, postgres_template: str) -> Iterator[Settings]:
    """Both servers' settings: one database of their own, every loop on (advanced tier)."""
    with postgres_copy(postgres_template) as url:
        yield fast_settings(
            tmp_path, url, tier="advanced", lease_seconds=5.0, bulk_rate=20.0,
            bulk_max_pending=50, notification_interval=0.2, sla_interval=0.5,
        )  # fmt: skip


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.resolved_database_url)
    yield database
    database.dispose()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        monkeypatch.setenv("TEST_HOOK_URL", found.url)  # servers inherit it
        yield found


@contextmanager
def two_servers(settings: Settings, folder: Path) -> Iterator[tuple[Server, Server]]:
    with ExitStack() as stack:
        first, second = (
            stack.enter_context(contextmanager(start_server)(settings, folder / f"serve-{n}.log"))
            for n in (1, 2)
        )
        yield first, second


def holders(db: Database) -> dict[str, str]:
    """Which worker holds each loop's lease now."""
    with db.read() as conn:
        now = conn.execute(select(func.now())).scalar_one()
        return {h.name: h.holder for h in lease_store.list_leases(conn, now=now)}


def worker_of(db: Database, server: Server) -> str:
    """The worker id `server` registered (its process's row)."""
    with db.read() as conn:
        live = worker_store.list_live_workers(conn, since=LONG_AGO, kind="serve")
    (worker,) = [w for w in live if w.pid == server.process.pid]
    return worker.worker_id


def submit(server: Server, pipeline: str) -> str:
    response = server.client.post(f"/v1/pipelines/{pipeline}/run", json={"params": {}})
    assert response.status_code == 201, response.text
    execution_id: str = response.json()["execution_id"]
    return execution_id


def delivered_once(
    db: Database, receiver: HttpReceiver, execution_id: str, settings: Settings
) -> None:
    """Wait for the message about `execution_id`, give a duplicate time to show, and check
    there is none: one request, one sent delivery with one attempt."""

    def sent() -> bool:
        with db.read() as conn:
            found = notification_store.list_deliveries(conn, execution_id=execution_id)
        return [d.state for d in found] == [DeliveryState.SENT]

    wait_until(sent, timeout=60, what=f"the message about {execution_id}")
    wait_until(lambda: len(receiver.requests) >= 1, timeout=10, what="the request")
    with db.read() as conn:
        (delivery,) = notification_store.list_deliveries(conn, execution_id=execution_id)
    time.sleep(5 * settings.notification_interval)  # time for a duplicate to show
    about = [r for r in receiver.requests if r.headers["idempotency-key"] == delivery.delivery_id]
    assert len(about) == 1
    assert delivery.attempts == 1


def test_a_failure_is_notified_once_and_the_sender_moves_when_its_holder_stops(
    db: Database, settings: Settings, tmp_path: Path, receiver: HttpReceiver
) -> None:
    with db.write() as conn:
        make_rule(conn, pipelines=("tests.*",), window_seconds=0)
    with two_servers(settings, tmp_path) as servers:
        workers = {worker_of(db, s): s for s in servers}
        wait_until(lambda: set(holders(db)) == LOOPS, timeout=30, what="every loop taken")
        assert set(holders(db).values()) <= set(workers)

        failed = submit(servers[0], "tests.key_error")
        assert wait_for_final(db, failed).status == "failed"
        delivered_once(db, receiver, failed, settings)

        holder = workers[holders(db)["notifications"]]
        other = next(s for s in servers if s is not holder)
        holder.process.send_signal(signal.SIGINT)  # a clean stop gives its leases up
        holder.process.wait(timeout=30)
        other_id = worker_of(db, other)
        assert set(holders(db).values()) <= {other_id}, "a stopped server still holds a lease"
        wait_until(
            lambda: holders(db).get("notifications") == other_id,
            timeout=30, what="the other server to take the sender over",
        )  # fmt: skip

        again = submit(other, "tests.key_error")
        assert wait_for_final(db, again).status == "failed"
        delivered_once(db, receiver, again, settings)
    keys = Counter(r.headers["idempotency-key"] for r in receiver.requests)
    assert sorted(keys.values()) == [1, 1]


def retries_of(db: Database, ids: list[str]) -> list[int]:
    with db.read() as conn:
        rows = conn.execute(
            select(executions.c.retry_of, func.count())
            .where(executions.c.retry_of.in_(ids))
            .group_by(executions.c.retry_of)
        )
        counts: dict[str, int] = {str(k): int(n) for k, n in rows}
    return [counts.get(i, 0) for i in ids]


def test_a_bulk_retry_while_both_serve_retries_each_execution_once(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    with db.write() as conn:
        failed = [failed_typed(conn, n).execution_id for n in range(1, 11)]
    with two_servers(settings, tmp_path) as (first, second):
        preview = first.client.post(
            "/v1/bulk", json={"action": "retry", "ids": failed, "preview": True}
        ).json()
        started = second.client.post(
            "/v1/bulk", json={"preview_id": preview["preview_id"], "max": len(failed)}
        )
        assert started.status_code == 201, started.text
        bulk_id = started.json()["bulk_id"]

        def ended() -> bool:
            body = first.client.get(f"/v1/bulk/{bulk_id}").json()
            return bool(body["state"] == str(BulkState.COMPLETED))

        wait_until(ended, timeout=60, what="the bulk retry to complete")
    with db.read() as conn:
        items = bulk_store.list_items(conn, bulk_id)
        marked = bulk_store.list_bulk_retried(conn, failed)
    assert {i.state for i in items} == {ItemState.DONE}
    assert retries_of(db, failed) == [1] * len(failed)
    assert len({i.result_id for i in items}) == len(failed)
    assert marked == set(failed)
