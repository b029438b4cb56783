"""The pipelines list in-process: every registered pipeline, its last run and failures."""

from __future__ import annotations

from fastapi.testclient import TestClient

from runplane.engine.clock import utcnow
from runplane.pipelines import registry
from runplane.store import Database
from tests.factories import make_execution
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
    assert "❌ Failed" in words
    assert "2 failed" in words
    assert "never ran" in words
    assert 'href="/dashboard/executions?status=failed&amp;pipeline=runplane.fail"' in page
