"""`/v1/bulk`: a preview over the list's filters or ticked ids, the action on exactly that
set, its progress and its cancelling; over real HTTP against `runplane serve`, and
in-process for the refusals."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from runplane.server import create_app
from runplane.store import Database
from tests.api.conftest import Server
from tests.api.test_executions import assert_problem
from tests.conftest import fast_settings
from tests.factories import failed_typed, make_execution

SINCE = "2025-12-01T00:00:00Z"


def preview(client: Any, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/bulk", json={"preview": True, **body})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_bulk_retry_over_http_acts_on_the_preview_and_links_its_retries(server: Server) -> None:
    with server.db.write() as conn:
        failed = [failed_typed(conn, n).execution_id for n in range(1, 4)]
        done = make_execution(conn, pipeline="tests.typed", params={"count": 9, "label": "x"})
    shown = preview(
        server.client, action="retry", filter={"pipeline": "tests.typed", "since": SINCE}
    )
    assert (shown["matched"], shown["selected"], shown["skipped"]) == (4, 3, {"not_allowed": 1})
    assert shown["filter"]["since"] == SINCE
    assert {s["execution_id"] for s in shown["sample"]} == set(failed)
    assert shown["skipped_sample"][0]["execution_id"] == done.execution_id
    started = server.client.post("/v1/bulk", json={"preview_id": shown["preview_id"], "max": 3})
    assert started.status_code == 201, started.text
    bulk_id = started.json()["bulk_id"]
    deadline = time.monotonic() + 30
    while (body := server.client.get(f"/v1/bulk/{bulk_id}").json())["state"] == "running":
        assert time.monotonic() < deadline, body
        time.sleep(0.05)
    assert (body["state"], body["done"], body["queued"], body["percent"]) == (
        "completed",
        3,
        0,
        100,
    )
    assert {i["execution_id"] for i in body["items"]} == set(failed)
    for item in body["items"]:
        retry = server.wait_for_final(item["result_id"])
        assert (retry["bulk_id"], retry["retry_of"]) == (bulk_id, item["execution_id"])
        assert retry["trigger"] == "api"
    again = server.client.post("/v1/bulk", json={"preview_id": shown["preview_id"], "max": 3})
    assert_problem(again, 409, "already started bulk operation")


def test_a_bulk_cancel_by_ids_is_cancelled_itself_before_it_starts(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        waiting = make_execution(conn, status="pending").execution_id
    shown = preview(client, action="cancel", ids=[waiting[:8]])
    assert (shown["matched"], shown["selected"], shown["filter"]) == (1, 1, {"ids": [waiting]})
    started = client.post("/v1/bulk", json={"preview_id": shown["preview_id"], "max": 1})
    assert started.json()["state"] == "running"
    bulk_id = started.json()["bulk_id"]
    cancelled = client.post(f"/v1/bulk/{bulk_id}/cancel")
    assert cancelled.status_code == 202
    assert (cancelled.json()["state"], cancelled.json()["skipped"]) == (
        "cancelled", {"operation_cancelled": 1},
    )  # fmt: skip
    assert_problem(client.post(f"/v1/bulk/{bulk_id}/cancel"), 409, "already cancelled")
    assert_problem(client.get("/v1/bulk/no-such-operation"), 404, "bulk operation with id")


def test_more_than_max_is_409_and_starts_nothing(client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        for n in range(1, 4):
            failed_typed(conn, n)
    shown = preview(client, action="retry", filter={"status": ["failed"], "since": SINCE})
    response = client.post("/v1/bulk", json={"preview_id": shown["preview_id"], "max": 2})
    assert_problem(response, 409, "selects 3 executions, more than max 2")
    ok = client.post("/v1/bulk", json={"preview_id": shown["preview_id"], "max": 3})
    assert ok.status_code == 201


def test_a_bad_bulk_request_is_400_saying_what_to_fix(client: TestClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"preview": True, "action": "retry", "filter": {"statuss": "failed"}}, "filter 'statuss'; a bulk filter takes"),
        ({"preview": True, "action": "retry", "filter": {"status": "done"}}, "execution status 'done'"),
        ({"preview": True, "action": "retry"}, "either filter or ids"),
        ({"preview": True, "filter": {}}, "needs action"),
        ({"preview_id": "x"}, "preview_id and max to act on a preview"),
        ({"preview_id": "x", "max": 1, "filter": {"status": "failed"}}, "its set was fixed by the preview"),
    ]  # fmt: skip
    for body, phrase in cases:
        assert_problem(client.post("/v1/bulk", json=body), 400, phrase)
    assert_problem(
        client.post("/v1/bulk", json={"preview_id": "x", "max": 1}), 404, "bulk preview with id"
    )


def test_the_basic_tier_locks_bulk_operations(sqlite_db: Database, tmp_path: Path) -> None:
    url = sqlite_db.url.render_as_string(hide_password=False)
    app = create_app(sqlite_db, fast_settings(tmp_path, url, tier="basic"))
    with TestClient(app) as basic:
        body = {"action": "retry", "filter": {"status": "failed"}, "preview": True}
        assert_problem(basic.post("/v1/bulk", json=body), 403, "available in the Intermediate tier")
        assert_problem(
            basic.get("/v1/bulk/some-operation"), 403, "available in the Intermediate tier"
        )
