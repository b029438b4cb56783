"""`/health`, `/v1/capabilities` and `/metrics`."""

from __future__ import annotations

import re

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from runplane.tiers import Tier
from tests.api.conftest import Server
from tests.factories import make_token, make_user


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "")
    match = re.search(rf"^{pattern} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_health_of_a_serving_process(shared_server: Server) -> None:
    response = shared_server.client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["latency_ms"] >= 0
    assert body["executor"]["alive"] is True
    assert body["executor"]["max_workers"] == shared_server.settings.max_workers
    assert [w["pid"] for w in body["workers"]] == [shared_server.process.pid]
    assert body["worker_count"] == 1
    [worker] = body["workers"]
    assert (worker["kind"], worker["name"], worker["queues"]) == ("serve", None, [])
    assert 0 <= worker["busy"] <= worker["max_workers"]
    assert body["broker"] is None


def test_health_without_an_executor_is_degraded(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "degraded"
    assert body["executor"] is None
    assert "No executor is running" in body["message"]


def test_health_with_an_unreachable_database_is_503(sqlite_settings: Settings) -> None:
    unreachable = Database("postgresql+psycopg://runplane@127.0.0.1:9/none?connect_timeout=2")
    with TestClient(create_app(unreachable, sqlite_settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert "The database does not answer" in body["message"]  # who asks is unknown: no figures
    assert "database" not in body
    unreachable.dispose()


@pytest.mark.parametrize(
    ("tier", "enabled"),
    [
        (Tier.BASIC, set()),
        (Tier.INTERMEDIATE, {"history", "scheduling"}),
        (Tier.ADVANCED, {"history", "scheduling", "sla", "cost", "resources", "baseline"}),
    ],
)
def test_capabilities_follow_the_tier_table(
    sqlite_db: Database, sqlite_settings: Settings, tier: Tier, enabled: set[str]
) -> None:
    settings = sqlite_settings.model_copy(update={"tier": tier})
    with TestClient(create_app(sqlite_db, settings)) as client:
        body = client.get("/v1/capabilities").json()
    assert body["tier"] == str(tier)
    assert {name for name, on in body["features"].items() if on} == enabled
    assert len(body["features"]) == 6


def test_metrics_count_executions_the_executor_finished(shared_server: Server) -> None:
    """Counters live as long as the server: what this test's runs added is counted exactly."""
    server = shared_server
    noop = {"pipeline": "runplane.noop", "status": "completed"}
    fail = {"pipeline": "runplane.fail", "status": "failed"}
    before = server.client.get("/metrics").text
    ids = [
        server.client.post("/v1/pipelines/runplane.noop/run").json()["execution_id"]
        for _ in range(3)
    ]
    ids.append(server.client.post("/v1/pipelines/runplane.fail/run").json()["execution_id"])
    for execution_id in ids:
        server.wait_for_final(execution_id)
    failed_before = metric(before, "runplane_executions_total", **fail)
    text = ""
    for _ in range(100):  # the exit hook runs just after the status is written
        response = server.client.get("/metrics")
        text = response.text
        if metric(text, "runplane_executions_total", **fail) > failed_before:
            break
    assert response.headers["content-type"].startswith("text/plain")

    def added(name: str, **labels: str) -> float:
        return metric(text, name, **labels) - metric(before, name, **labels)

    assert added("runplane_executions_total", **noop) == 3
    assert added("runplane_executions_total", **fail) == 1
    assert added("runplane_execution_duration_seconds_count", pipeline="runplane.noop") == 3
    assert metric(text, "runplane_executor_slots") == server.settings.max_workers
    assert "runplane_queue_depth" in text
    assert "runplane_executions_running" in text


def test_health_with_the_database_file_removed_is_503_naming_it(
    sqlite_db: Database, sqlite_settings: Settings
) -> None:
    with TestClient(create_app(sqlite_db, sqlite_settings)) as client:
        assert client.get("/health").json()["status"] == "degraded"  # no executor here
        assert sqlite_db.path is not None
        sqlite_db.path.unlink()
        response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert "was removed while Runplane had it open" in body["message"]
    assert body["database"]["ok"] is False
    checks = {c["name"]: c["status"] for c in body["checks"]}
    assert checks["database_file"] == "down"
    assert checks["executor"] == "degraded"


def test_health_with_celery_reports_the_broker_to_signed_in_callers_only(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete("default")
    client.lpush("default", "m1")
    client.close()
    settings = sqlite_settings.model_copy(
        update={"executor": "celery", "broker_url": SecretStr(redis_url)}
    )
    with sqlite_db.write() as conn:
        make_user(conn, "vera", "viewer")
        token = make_token(conn, "vera")
    with TestClient(create_app(sqlite_db, settings)) as api:
        anonymous = api.get("/health").json()
        viewer = api.get("/health", headers={"Authorization": f"Bearer {token}"}).json()
    assert viewer["broker"] == {
        "url": redis_url,
        "reachable": True,
        "queue_depths": {"default": 1},
        "error": None,
    }
    assert viewer["worker_count"] == 0
    assert set(anonymous) == {"status", "message", "checked_at"}


def test_metrics_gauge_the_serving_worker(shared_server: Server) -> None:
    [worker] = shared_server.client.get("/v1/workers").json()["workers"]
    text = shared_server.client.get("/metrics").text
    assert metric(text, "runplane_workers", kind="serve") == 1
    assert (
        metric(text, "runplane_worker_concurrency", worker=worker["worker_id"])
        == shared_server.settings.max_workers
    )
    assert f'runplane_worker_busy{{worker="{worker["worker_id"]}"}}' in text
