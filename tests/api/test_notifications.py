"""`/v1/notifications`: create, replace, read, test and remove rules; bad rules are 400
problem+json with nothing saved; edits need the admin role; secrets never appear."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from runplane.store import Database
from runplane.store import notifications as notification_store
from tests.api.test_executions import assert_problem
from tests.factories import make_token, make_user
from tests.support.receivers import http_receiver

SECRET = "hook-s3cret-path"


def test_put_get_test_and_delete_a_rule_without_showing_secrets(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_receiver() as receiver:
        monkeypatch.setenv("ONCALL_HOOK", f"{receiver.url}/{SECRET}")
        monkeypatch.setenv("ONCALL_SIGNING", "whsec-" + SECRET)
        body = {"events": ["failed", "recovered"], "webhook_env": "ONCALL_HOOK",
                "secret_env": "ONCALL_SIGNING", "pipelines": ["tests.*"], "window": "2h"}  # fmt: skip
        created = client.put("/v1/notifications/on-call", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["window_seconds"] == 7200
        assert client.put("/v1/notifications/on-call", json=body).status_code == 200
        tested = client.post("/v1/notifications/on-call/test")
        assert tested.status_code == 200, tested.text
        assert tested.json() == [
            {"channel": "webhook", "target": "ONCALL_HOOK", "delivered": True,
             "status_code": 200, "error": None},
        ]  # fmt: skip
    (request,) = receiver.requests
    assert request.headers["x-runplane-signature"].startswith("t=")
    listed = client.get("/v1/notifications")
    shown = client.get("/v1/notifications/on-call")
    assert [r["name"] for r in listed.json()] == ["on-call"]
    assert shown.json()["source"] == "api"
    for response in (created, tested, listed, shown):
        assert SECRET not in response.text
    assert client.delete("/v1/notifications/on-call").status_code == 204
    assert_problem(client.get("/v1/notifications/on-call"), 404, "on-call")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"events": ["exploded"], "webhook_env": "HOOK"}, "nknown event 'exploded'"),
        ({"events": ["failed"], "webhook_env": "HOOK", "error_classes": ["x"]}, "nknown error class"),
        ({"events": ["failed"], "webhook_env": "HOOK", "triggers": ["cron"]}, "nknown trigger"),
        ({"events": ["failed"], "webhook_env": "HOOK", "pipelines": ["a b"]}, "glob"),
        ({"events": ["failed"], "webhook_env": "HOOK", "window": "later"}, "is not a duration"),
        ({"events": ["failed"], "slack_env": "UNSET_SLACK_URL"}, "has no variable UNSET_SLACK_URL"),
        ({"events": ["sla_breached"], "webhook_env": "HOOK"}, "available in the Advanced tier"),
    ],
)  # fmt: skip
def test_a_rule_that_cannot_be_saved_is_400_and_nothing_is_saved(
    client: TestClient,
    sqlite_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, object],
    says: str,
) -> None:
    monkeypatch.setenv("HOOK", "http://127.0.0.1:9/")
    assert_problem(client.put("/v1/notifications/on-call", json=body), 400, says)
    with sqlite_db.read() as conn:
        assert notification_store.list_rules(conn) == []


def test_edits_and_tests_need_the_admin_role(
    client: TestClient, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK", "http://127.0.0.1:9/")
    with sqlite_db.write() as conn:
        make_user(conn, "ana", role="operator")
        token = make_token(conn, "ana")
    headers = {"Authorization": f"Bearer {token}"}
    body = json.dumps({"events": ["failed"], "webhook_env": "HOOK"})
    put = client.put(
        "/v1/notifications/x", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert_problem(put, 403, "admin")
    assert_problem(client.post("/v1/notifications/x/test", headers=headers), 403, "admin")
    assert client.get("/v1/notifications", headers=headers).status_code == 200
