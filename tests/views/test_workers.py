"""Live workers as operators see them, and the broker's queue depths with a Celery executor."""

from __future__ import annotations

from datetime import timedelta

import redis
from pydantic import SecretStr

from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store
from runplane.views.workers import broker_state, report_json, workers_report
from tests.conftest import FakeClock
from tests.factories import make_worker


def test_every_live_worker_with_its_queues_slots_and_heartbeat_age(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        serve = make_worker(conn, heartbeat_at=clock() - timedelta(seconds=2), busy=1)
        celery = make_worker(
            conn, kind="celery", name="gpu-1", host="host-b", pid=77, max_workers=8, busy=3,
            queues=("reports",), heartbeat_at=clock() - timedelta(seconds=1),
        )  # fmt: skip
        make_worker(conn, heartbeat_at=clock() - timedelta(minutes=5))  # lost
        gone = make_worker(conn)
        worker_store.update_stopped(conn, gone.worker_id, clock())

    report = workers_report(db, settings, clock=clock)

    assert [w.worker_id for w in report.workers] == [serve.worker_id, celery.worker_id]
    shown = report.workers[1]
    assert (shown.label, shown.kind, shown.host, shown.pid) == ("gpu-1", "celery", "host-b", 77)
    assert (shown.queues, shown.busy, shown.concurrency) == (("reports",), 3, 8)
    assert shown.heartbeat_seconds_ago == 1.0
    assert report.workers[0].label == serve.worker_id[:8]
    assert report.broker is None  # the local executor has no broker


def test_the_json_carries_every_field_and_no_broker_for_the_local_executor(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        worker = make_worker(conn, name="etl", queues=("a", "b"), busy=0)

    body = report_json(workers_report(db, settings, clock=clock))

    assert body["checked_at"] == "2025-12-22T08:00:00Z"
    assert body["broker"] is None
    assert body["workers"] == [
        {
            "worker_id": worker.worker_id,
            "name": "etl",
            "kind": "serve",
            "host": "host-a",
            "pid": 4242,
            "queues": ["a", "b"],
            "concurrency": 2,
            "busy": 0,
            "started_at": "2025-12-22T07:55:00Z",
            "heartbeat_at": "2025-12-22T08:00:00Z",
            "heartbeat_seconds_ago": 0.0,
        }
    ]


def test_with_celery_the_broker_reports_the_depth_of_each_queue_served(
    sqlite_db: Database, sqlite_settings: Settings, clock: FakeClock, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete("default", "views-reports")
    client.lpush("default", "m1", "m2")
    client.lpush("views-reports\x06\x163", "m3")
    client.close()
    settings = sqlite_settings.model_copy(
        update={"executor": "celery", "broker_url": SecretStr(redis_url)}
    )
    with sqlite_db.write() as conn:
        make_worker(conn, kind="celery", queues=("views-reports",))

    broker = workers_report(sqlite_db, settings, clock=clock).broker

    assert broker is not None
    assert broker.reachable is True
    assert broker.url == redis_url
    assert broker.queue_depths == {"default": 2, "views-reports": 1}
    assert broker.error is None


def test_an_unreachable_broker_is_reported_without_its_password(settings: Settings) -> None:
    url = "redis://:hunter2@127.0.0.1:9/0"
    celery = settings.model_copy(update={"executor": "celery", "broker_url": SecretStr(url)})

    broker = broker_state(celery, [])

    assert broker is not None
    assert broker.reachable is False
    assert broker.url == "redis://:***@127.0.0.1:9/0"
    assert broker.error is not None
    assert "did not answer" in broker.error
    assert "hunter2" not in repr(broker)


def test_celery_without_a_broker_url_says_which_setting_is_missing(settings: Settings) -> None:
    broker = broker_state(settings.model_copy(update={"executor": "celery"}), [])
    assert broker is not None
    assert not broker.reachable
    assert broker.error == (
        "RUNPLANE_BROKER_URL is not set: set it to the Redis broker, redis://HOST:6379/0"
    )
