"""`GET /v1/workers`: every live worker, for any signed-in role, and the broker's queues."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from tests.api.conftest import Server
from tests.api.test_executions import assert_problem
from tests.conftest import FakeClock
from tests.factories import make_token, make_user, make_worker


@pytest.fixture
def signed(sqlite_db: Database, sqlite_settings: Settings) -> Iterator[tuple[TestClient, str]]:
    """An application with users, and a viewer's token."""
    clock = FakeClock()
    with sqlite_db.write() as conn:
        make_user(conn, "vera", "viewer")
        token = make_token(conn, "vera")
        make_worker(conn, name="gpu-1", kind="celery", queues=("reports",), busy=1,
                    max_workers=4, heartbeat_at=clock() - timedelta(seconds=3))  # fmt: skip
    with TestClient(create_app(sqlite_db, sqlite_settings, clock=clock)) as client:
        yield client, token


def test_a_viewer_reads_every_live_worker(signed: tuple[TestClient, str]) -> None:
    client, token = signed
    response = client.get("/v1/workers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["broker"] is None
    [worker] = body["workers"]
    assert worker["name"] == "gpu-1"
    assert (worker["kind"], worker["queues"], worker["busy"], worker["concurrency"]) == (
        "celery",
        ["reports"],
        1,
        4,
    )
    assert worker["heartbeat_seconds_ago"] == 3.0


def test_without_a_token_workers_are_not_shown(signed: tuple[TestClient, str]) -> None:
    client, _ = signed
    assert_problem(client.get("/v1/workers"), 401)


def test_with_celery_the_broker_queue_depths_are_listed(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete("default")
    client.lpush("default", "m1", "m2", "m3")
    client.close()
    settings = sqlite_settings.model_copy(
        update={"executor": "celery", "broker_url": SecretStr(redis_url)}
    )
    with TestClient(create_app(sqlite_db, settings)) as api:
        body = api.get("/v1/workers").json()
    assert body["broker"] == {
        "url": redis_url,
        "reachable": True,
        "queue_depths": {"default": 3},
        "error": None,
    }


def test_a_serving_process_lists_itself(shared_server: Server) -> None:
    body = shared_server.client.get("/v1/workers").json()
    serving = [w for w in body["workers"] if w["kind"] == "serve"]
    assert [w["pid"] for w in serving] == [shared_server.process.pid]
    assert serving[0]["concurrency"] == shared_server.settings.max_workers
    assert 0 <= serving[0]["busy"] <= serving[0]["concurrency"]
