"""The pipelines list in-process: every registered pipeline, its last run, failures and next
scheduled run."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from runplane.model.clock import utcnow
from runplane.pipelines import registry
from runplane.store import Database
from tests.factories import make_execution, make_schedule
from tests.web.conftest import text


def test_every_pipeline_with_last_run_failures_and_a_run_button(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        for _ in range(2):
            make_execution(conn, pipeline="runplane.fail", status="failed", created_at=utcnow())
        make_execution(conn, pipeline="runplane.noop", created_at=utcnow())
    page = client.get("/dashboard/pipelines").text
    for name in registry.names():
        assert f'href="/dashboard/pipelines/{name}#run"' in page
    words = text(page)
    assert "Failed" in words
    assert "2 failed" in words
    assert "never ran" in words
    assert 'href="/dashboard/executions?status=failed&amp;pipeline=runplane.fail"' in page


def test_the_next_scheduled_run_and_overdue_schedules_show_per_pipeline(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        make_schedule(conn, name="weekly", cron="0 6 * * 2", created_at=now)
        make_schedule(conn, name="daily", cron="30 5 * * *", created_at=now - timedelta(days=3))
        make_schedule(conn, name="paused", pipeline="runplane.fail", enabled=False)
    page = client.get("/dashboard/pipelines").text
    noop = text(page.split('href="/dashboard/pipelines/runplane.noop"')[1].split("</tr>")[0])
    assert "05:30" in noop
    assert "daily" in noop
    assert "⚠️ daily overdue" in noop
    failing = text(page.split('href="/dashboard/pipelines/runplane.fail"')[1].split("</tr>")[0])
    assert "schedules off" in failing
    assert "not scheduled" in text(page)
