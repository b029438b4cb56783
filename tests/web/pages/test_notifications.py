"""The Notifications page (rules, recent deliveries, "Send test") and the notifications an
execution caused on its Summary tab; no secret shows on either."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from runplane.engine import lifecycle
from runplane.engine.classify import classify
from runplane.engine.notifications.matching import Links, match_pending
from runplane.model import ExecutionStatus
from runplane.pipelines import DataError
from runplane.store import Database
from tests.factories import make_execution, make_rule
from tests.support.receivers import http_receiver
from tests.web.conftest import ORIGIN, text

SECRET = "T0/B0/very-s3cret"


def test_rules_deliveries_and_the_execution_that_caused_them(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_rule(conn, pipelines=("runplane.*",))
        running = make_execution(conn, pipeline="runplane.sleep", status="running")
    error = classify(DataError("missing column volume", file="f.psv"), pipeline="runplane.sleep")
    assert lifecycle.finish_execution(sqlite_db, running, ExecutionStatus.FAILED, error=error)
    match_pending(sqlite_db, Links("http://127.0.0.1:8000"))
    page = client.get("/dashboard/notifications")
    assert page.status_code == 200
    words = text(page.text)
    assert "on-call" in words
    assert "webhook TEST_HOOK_URL" in words
    assert f'href="/dashboard/executions/{running.execution_id}"' in page.text
    assert 'href="/dashboard/notifications" aria-current="page"' in page.text
    detail = client.get(f"/dashboard/executions/{running.execution_id}").text
    section = text(detail.split('id="notifications"')[1])
    assert "on-call failed webhook TEST_HOOK_URL pending" in section


def test_send_test_reports_each_channel_and_shows_no_secret(
    client: TestClient, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_db.write() as conn:
        make_rule(conn)
    with http_receiver() as receiver:
        monkeypatch.setenv("TEST_HOOK_URL", f"{receiver.url}/{SECRET}")
        sent = client.post(
            "/dashboard/notifications/on-call/test", headers=ORIGIN, follow_redirects=False
        )
        assert sent.status_code == 303
        page = client.get(sent.headers["location"]).text
    assert len(receiver.requests) == 1
    assert "on-call : 1 of 1 channels delivered" in text(page)
    assert SECRET not in page
