"""The overview in-process: health, failures against the day before, running and queued,
each linking to the filtered list; the schedules; the basic tier."""

from __future__ import annotations

from datetime import timedelta

import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from runplane.model.clock import utcnow
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from tests.conftest import FakeClock
from tests.factories import make_execution, make_schedule, make_sla_miss, make_worker
from tests.web.conftest import text


def test_figures_compare_with_the_day_before_and_link_to_the_list(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        for hours in (1, 2, 3):
            make_execution(conn, status="failed", created_at=now - timedelta(hours=hours))
        make_execution(conn, status="failed", created_at=now - timedelta(hours=30))
        make_execution(conn, status="running", created_at=now)
    page = client.get("/dashboard").text
    words = text(page)
    assert "Failures, last 24 h 3 up 2 from 1 the 24 h before" in words
    assert "Unresolved failures, 7 days 4" in words
    assert "Running now 1" in words
    assert "Degraded" in words
    assert 'href="/dashboard/executions?preset=recent-failures"' in page
    assert 'href="/dashboard/executions?preset=running-now"' in page


def test_the_basic_tier_locks_execution_figures_but_keeps_health(basic_client: TestClient) -> None:
    words = text(basic_client.get("/dashboard").text)
    assert "Execution history is available in the Intermediate tier." in words
    assert "Failures, last 24 h" not in words
    assert "Learn about tiers" in words


def test_the_tier_badge_opens_the_comparison(client: TestClient) -> None:
    page = client.get("/dashboard").text
    assert '<a class="tier-badge" href="/dashboard/tiers"' in page
    words = text(client.get("/dashboard/tiers").text)
    assert "This deployment runs the Intermediate tier." in words
    assert "Execution history, detail, logs, retry, cancel Locked Full Full" in words


def test_schedules_show_their_next_run_and_count_the_overdue(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        make_schedule(conn, name="weekly", cron="0 6 * * 2", created_at=now)
        make_schedule(conn, name="hourly", cron="0 * * * *", created_at=now - timedelta(days=2))
    page = client.get("/dashboard").text
    words = text(page)
    assert "Schedules · 1 overdue" in words
    weekly = text(page.split('data-schedule="weekly"')[1].split("</tr>")[0])
    assert "At 06:00 on Tuesday" in weekly
    assert "06:00" in weekly
    assert "overdue" not in weekly
    assert "overdue:" in text(page.split('data-schedule="hourly"')[1].split("</tr>")[0])
    assert 'href="/dashboard/pipelines/runplane.noop#schedule"' in page


def test_the_basic_tier_locks_schedules(basic_client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="weekly")
    page = basic_client.get("/dashboard").text
    assert "Scheduling is available in the Intermediate tier" in text(page)
    assert 'data-schedule="weekly"' not in page


def test_the_overview_lists_instants_that_missed_their_sla(
    advanced_client: TestClient, client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_sla_miss(conn, schedule="ingest", scheduled_for=utcnow() - timedelta(hours=3))
    page = text(advanced_client.get("/dashboard").text)
    assert "SLA misses, 7 days · 1" in page
    assert "ingest ( runplane.noop ): the " in page
    assert "SLA misses" not in text(client.get("/dashboard").text)


def test_the_workers_card_lists_each_live_worker(
    clocked_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    with sqlite_db.write() as conn:
        celery = make_worker(conn, kind="celery", name="gpu-1", host="host-b", pid=77,
                             queues=("reports", "etl"), busy=3, max_workers=8,
                             heartbeat_at=clock() - timedelta(seconds=2))  # fmt: skip
        serve = make_worker(conn, heartbeat_at=clock(), busy=None)
        make_worker(conn, heartbeat_at=clock() - timedelta(minutes=5))  # lost
    page = clocked_client.get("/dashboard").text
    card = page.split("data-workers>")[1].split("</section>")[0]
    assert text(card).startswith("Workers · 2 live")
    row = text(card.split(f'data-worker="{celery.worker_id}">')[1].split("</tr>")[0])
    assert row == ("gpu-1 celery host-b 77 reports etl 3 / 8 2.0s ago")
    plain = text(card.split(f'data-worker="{serve.worker_id}">')[1].split("</tr>")[0])
    assert plain.startswith(f"{serve.worker_id[:8]} serve host-a 4242 — ? / 2")
    assert "data-broker" not in card  # the local executor has no broker


def test_without_workers_the_card_says_what_to_start(client: TestClient) -> None:
    words = text(client.get("/dashboard").text)
    assert "Workers · 0 live No live workers: queued executions wait until runplane serve" in words


def test_with_celery_the_card_shows_the_broker_queues(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete("default")
    client.lpush("default", *[f"m{i}" for i in range(1500)])
    client.close()
    celery = sqlite_settings.model_copy(
        update={"executor": "celery", "broker_url": SecretStr(redis_url)}
    )
    gone = celery.model_copy(update={"broker_url": SecretStr("redis://:pw@127.0.0.1:9/0")})
    with TestClient(create_app(sqlite_db, celery)) as web:
        up = text(web.get("/dashboard").text)
    with TestClient(create_app(sqlite_db, gone)) as web:
        down = web.get("/dashboard").text
    assert f"Broker {redis_url} , waiting: default 1,500" in up
    assert "Broker unreachable: the broker redis://:***@127.0.0.1:9/0 did not answer" in text(down)
    assert ":pw@" not in down
