"""`/v1/pipelines`: the registry with last runs, one pipeline's schema, and runs in both tiers."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runplane.pipelines import registry
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from runplane.store.tables import executions
from runplane.tiers import Tier
from tests.api.conftest import Server
from tests.api.test_executions import assert_problem
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def execution_count(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(executions)).scalar_one()


def test_list_has_every_registered_pipeline_with_its_last_run(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_execution(conn, pipeline="runplane.noop", created_at=T0)
        newest = make_execution(
            conn, pipeline="runplane.noop", status="failed", created_at=T0 + timedelta(hours=1)
        )
    body = client.get("/v1/pipelines").json()
    assert [p["name"] for p in body] == sorted(p.name for p in registry)
    by_name = {p["name"]: p for p in body}
    assert by_name["runplane.noop"]["last_run"]["execution_id"] == newest.execution_id
    assert by_name["runplane.noop"]["last_run"]["status"] == "failed"
    assert by_name["runplane.sleep"]["last_run"] is None


def test_one_pipeline_has_its_schema_retry_policy_and_recent_runs(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        made = [
            make_execution(conn, pipeline="tests.typed", created_at=T0 + timedelta(minutes=i))
            for i in range(12)
        ]
    body = client.get("/v1/pipelines/tests.typed").json()
    assert body["description"] == "Has a required, bounded integer."
    count = body["params_schema"]["properties"]["count"]
    assert (count["minimum"], count["maximum"]) == (1, 10)
    assert body["params_schema"]["required"] == ["count"]
    assert body["retry"]["classes"] == ["transient"]
    assert [r["execution_id"] for r in body["recent_runs"]] == [
        e.execution_id for e in reversed(made[-10:])
    ]
    assert client.get("/v1/pipelines/runplane.fail").json()["retry"] is None


def test_unknown_pipeline_is_404(client: TestClient, sqlite_db: Database) -> None:
    assert_problem(client.get("/v1/pipelines/no.such"), 404, "Unknown pipeline 'no.such'")
    before = execution_count(sqlite_db)
    assert_problem(client.post("/v1/pipelines/no.such/run"), 404, "no.such")
    assert execution_count(sqlite_db) == before


def test_invalid_params_are_422_with_one_entry_per_field(
    client: TestClient, sqlite_db: Database
) -> None:
    response = client.post(
        "/v1/pipelines/tests.typed/run", json={"params": {"count": 99, "colour": "red"}}
    )
    body = assert_problem(response, 422, "tests.typed")
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert set(messages) == {"params.count", "params.colour"}
    assert "less than or equal to 10" in messages["params.count"]
    assert "unknown parameter" in messages["params.colour"]
    missing = assert_problem(client.post("/v1/pipelines/tests.typed/run"), 422)
    assert [e["field"] for e in missing["errors"]] == ["params.count"]
    assert execution_count(sqlite_db) == 0


def test_malformed_bodies_are_refused_with_a_sentence(
    client: TestClient, sqlite_db: Database
) -> None:
    not_json = client.post(
        "/v1/pipelines/runplane.noop/run",
        content=b'{"params": ',
        headers={"content-type": "application/json"},
    )
    assert_problem(not_json, 400, "not valid JSON")
    wrong_shape = client.post("/v1/pipelines/runplane.noop/run", json={"params": [1, 2]})
    body = assert_problem(wrong_shape, 422)
    assert [e["field"] for e in body["errors"]] == ["params"]
    extra = assert_problem(
        client.post("/v1/pipelines/runplane.noop/run", json={"dryrun": True}), 422
    )
    assert [e["field"] for e in extra["errors"]] == ["dryrun"]
    nul = assert_problem(
        client.post("/v1/pipelines/runplane.fail/run", json={"params": {"message": "a\u0000b"}}),
        422,
    )
    assert "NUL" in nul["errors"][0]["message"]
    assert execution_count(sqlite_db) == 0


def test_run_queues_with_trigger_api_in_the_intermediate_tier(shared_server: Server) -> None:
    response = shared_server.client.post(
        "/v1/pipelines/runplane.sleep/run", json={"params": {"seconds": 0.2}, "dry_run": True}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert (body["trigger"], body["triggered_by"], body["dry_run"]) == ("api", "local", True)
    assert shared_server.wait_for_final(body["execution_id"])["status"] == "dry_run"


def test_a_run_request_may_route_the_run_to_a_queue(client: TestClient) -> None:
    routed = client.post("/v1/pipelines/runplane.noop/run", json={"queue": "heavy"})
    assert routed.status_code == 201, routed.text
    assert routed.json()["queue"] == "heavy"
    own = client.post("/v1/pipelines/tests.heavy/run", json={})
    assert own.json()["queue"] == "heavy"
    plain = client.post("/v1/pipelines/runplane.noop/run", json={})
    assert plain.json()["queue"] is None


def test_a_malformed_queue_is_refused_and_nothing_is_queued(client: TestClient) -> None:
    before = client.get("/v1/executions").json()["items"]
    refused = client.post("/v1/pipelines/runplane.noop/run", json={"queue": "no way"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "queue 'no way' is not a queue name" in refused.json()["detail"]
    assert client.get("/v1/executions").json()["items"] == before


def test_basic_tier_runs_synchronously_and_locks_history(basic_server: Server) -> None:
    done = basic_server.client.post("/v1/pipelines/runplane.noop/run")
    assert done.status_code == 201
    body = done.json()
    assert body["status"] == "completed"
    assert body["output"]["summary"] == ["Nothing to do"]

    failed = basic_server.client.post(
        "/v1/pipelines/runplane.fail/run", json={"params": {"error": "transient"}}
    ).json()
    assert failed["status"] == "failed"
    assert failed["error"]["classification"] == "transient"
    assert failed["error"]["summary"]

    for path in ("/v1/executions", f"/v1/executions/{body['execution_id']}"):
        locked = basic_server.client.get(path)
        assert_problem(locked, 403, "Execution history is available in the Intermediate tier")
    assert basic_server.client.get("/v1/pipelines").status_code == 200
    capabilities = basic_server.client.get("/v1/capabilities").json()
    assert capabilities == {
        "tier": "basic",
        "features": dict.fromkeys(
            ("history", "scheduling", "sla", "cost", "resources", "baseline"), False
        ),
    }


def test_basic_tier_without_a_serving_executor_still_runs_in_a_child_process(
    sqlite_db: Database, sqlite_settings: Settings
) -> None:
    settings = sqlite_settings.model_copy(update={"tier": Tier.BASIC})
    with TestClient(create_app(sqlite_db, settings)) as basic:
        body = basic.post("/v1/pipelines/runplane.noop/run").json()
    assert body["status"] == "completed"
    with sqlite_db.read() as conn:
        pid = conn.execute(
            select(executions.c.pid).where(executions.c.execution_id == body["execution_id"])
        ).scalar_one()
    assert pid is not None
    assert pid != os.getpid()


def test_a_json_body_is_validated_strictly_field_by_field(
    client: TestClient, sqlite_db: Database
) -> None:
    before = execution_count(sqlite_db)
    loose = client.post("/v1/pipelines/runplane.sleep/run", json={"params": {"seconds": True}})
    body = assert_problem(loose, 422, "seconds")
    assert [e["field"] for e in body["errors"]] == ["params.seconds"]
    flag = client.post("/v1/pipelines/runplane.noop/run", json={"dry_run": "yes"})
    assert [e["field"] for e in assert_problem(flag, 422)["errors"]] == ["dry_run"]
    assert execution_count(sqlite_db) == before
    ran = client.post("/v1/pipelines/runplane.sleep/run", json={"params": {"seconds": 0.2}})
    assert ran.status_code == 201
    assert ran.json()["params"]["seconds"] == 0.2


def test_text_and_dates_in_a_body_are_bounded(client: TestClient) -> None:
    long = client.post(
        "/v1/pipelines/runplane.fail/run", json={"params": {"message": "x" * 20_000}}
    )
    assert_problem(long, 422, "at most 10,000 characters")
    far = client.post("/v1/pipelines/tests.dated/run", json={"params": {"day": "9999-12-28"}})
    body = assert_problem(far, 422)
    assert body["errors"] == [
        {
            "field": "params.day",
            "message": "must be between 1900-01-01 and 2999-12-31 (got 9999-12-28)",
        }
    ]
