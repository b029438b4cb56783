"""Executions on two Celery workers beside one `serve`, all real processes on 127.0.0.1:
spread and run once, cancelled across machines, a worker killed mid-run, Redis restarted
with messages queued, and routing by queue."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from runplane.model import EventKind, ExecutionStatus
from runplane.store import executions as store
from runplane.store.retries import find_first_retry
from runplane.store.tables import captures
from tests.conftest import wait_for_final, wait_until
from tests.engine.distributed.conftest import Cluster
from tests.support.pipelines import test_rows

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("cluster")]


def _started_by(cluster: Cluster, execution_id: str) -> list[str]:
    return [e.actor for e in cluster.events(execution_id) if e.kind is EventKind.STARTED]


def _wait_running(cluster: Cluster, execution_id: str) -> str:
    """Wait until a worker runs it; the worker's name."""
    wait_until(
        lambda: cluster.status(execution_id) is ExecutionStatus.RUNNING,
        timeout=30,
        what=f"{execution_id} to run",
    )
    (actor,) = _started_by(cluster, execution_id)
    return actor.removeprefix("worker:")


def test_a_hundred_executions_spread_over_both_workers_and_each_runs_once(
    both_workers: Cluster,
) -> None:
    cluster = both_workers
    ids = [cluster.submit("runplane.noop") for _ in range(100)]
    ended = [wait_for_final(cluster.db, i, timeout=120) for i in ids]
    assert {e.status for e in ended} == {ExecutionStatus.COMPLETED}
    ran_by = {i: _started_by(cluster, i) for i in ids}
    assert all(len(actors) == 1 for actors in ran_by.values()), ran_by
    assert {a for (a,) in ran_by.values()} == {"worker:w1", "worker:w2"}
    recorded = {cluster.worker_id("w1"), cluster.worker_id("w2")}
    assert {e.worker_id for e in ended} == recorded
    for worker_id in recorded:  # --concurrency 2: never more than two at once on one worker
        runs = [(e.started_at, e.completed_at) for e in ended if e.worker_id == worker_id]
        assert max(sum(1 for s, c in runs if s <= at < c) for at, _ in runs) <= 2


@pytest.mark.parametrize(
    ("pipeline", "stage"),
    [("runplane.sleep", EventKind.STOP_SIGNAL_SENT), ("tests.stubborn", EventKind.KILLED)],
    ids=["cooperative", "by-kill"],
)
def test_a_cancel_reaches_the_worker_holding_the_execution(
    both_workers: Cluster, pipeline: str, stage: EventKind
) -> None:
    cluster = both_workers
    execution_id = cluster.submit(pipeline, seconds=60)
    holder = _wait_running(cluster, execution_id)
    cluster.api("POST", f"/v1/executions/{execution_id}/cancel")
    ended = wait_for_final(cluster.db, execution_id, timeout=30)
    assert ended.status is ExecutionStatus.CANCELLED
    stages = [e for e in cluster.events(execution_id) if e.kind is stage]
    assert [e.actor for e in stages] == [f"worker:{holder}"]


def test_a_worker_killed_mid_run_is_lost_and_its_run_retried_on_the_other_once(
    both_workers: Cluster,
) -> None:
    cluster = both_workers
    first = cluster.submit("tests.fill_retried", rows=40, batch=4, seconds_per_batch=0.5)
    holder = _wait_running(cluster, first)
    wait_until(lambda: _rows(cluster, first) > 0, timeout=30, what="rows to be written")
    cluster.workers[holder].kill()

    lost = wait_for_final(cluster.db, first, timeout=30)
    assert lost.status is ExecutionStatus.FAILED
    assert lost.error is not None
    assert lost.error.classification == "worker_lost"
    with cluster.db.read() as conn:
        retry = find_first_retry(conn, first)
    assert retry is not None
    ended = wait_for_final(cluster.db, retry.execution_id, timeout=60)
    other = ({"w1", "w2"} - {holder}).pop()
    assert ended.status is ExecutionStatus.COMPLETED
    assert _started_by(cluster, retry.execution_id) == [f"worker:{other}"]
    assert _published(cluster, first) == 0  # what the lost run wrote never shows
    assert _published(cluster, retry.execution_id) == 1
    assert _rows(cluster, retry.execution_id) == 40


def test_executions_queued_while_redis_restarts_are_none_lost_and_none_run_twice(
    both_workers: Cluster,
) -> None:
    cluster = both_workers
    for program in cluster.workers.values():
        program.stop()
    ids = [cluster.submit("runplane.noop") for _ in range(10)]
    wait_until(
        lambda: cluster.broker.llen("default") == 10, timeout=30, what="10 messages in Redis"
    )
    cluster.redis_server.kill()  # nothing saved: the messages are gone
    cluster.start_redis()
    assert cluster.broker.llen("default") == 0
    for name in cluster.workers:
        cluster.start_worker(name)
    ended = [wait_for_final(cluster.db, i, timeout=60) for i in ids]
    assert {e.status for e in ended} == {ExecutionStatus.COMPLETED}
    assert all(len(_started_by(cluster, i)) == 1 for i in ids)


def test_a_pipeline_routed_to_a_queue_runs_only_on_the_worker_serving_it(
    both_workers: Cluster,
) -> None:
    cluster = both_workers
    routed = [cluster.submit("tests.heavy") for _ in range(6)]
    asked = [cluster.submit("runplane.noop", queue="heavy") for _ in range(4)]
    for execution_id in routed + asked:
        assert wait_for_final(cluster.db, execution_id).status is ExecutionStatus.COMPLETED
        assert _started_by(cluster, execution_id) == ["worker:w2"]


def test_an_execution_for_a_queue_nobody_serves_waits_and_says_why(
    both_workers: Cluster,
) -> None:
    cluster = both_workers
    execution_id = cluster.submit("runplane.noop", queue="nobody")
    page = cluster.page(f"/dashboard/executions/{execution_id}")
    assert "No worker serves queue <code>nobody</code>" in page
    assert cluster.status(execution_id) is ExecutionStatus.PENDING
    cluster.api("POST", f"/v1/executions/{execution_id}/cancel")


def _rows(cluster: Cluster, execution_id: str) -> int:
    with cluster.db.read() as conn:
        capture_id = store.get_execution(conn, execution_id).capture_id
        if not conn.dialect.has_table(conn, "test_rows"):
            return 0
        count = select(func.count()).where(test_rows.c.capture_id == capture_id)
        return int(conn.execute(count).scalar_one())


def _published(cluster: Cluster, execution_id: str) -> int:
    with cluster.db.read() as conn:
        count = select(func.count()).where(
            captures.c.execution_id == execution_id, captures.c.published_at.isnot(None)
        )
        return int(conn.execute(count).scalar_one())
