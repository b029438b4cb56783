"""Errors as problem+json: a database that cannot take a write answers 503 naming why, and
nothing half-written is left behind."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from runplane.model import ExecutionStatus
from runplane.server import create_app
from runplane.store import Database
from runplane.store import executions as store
from tests.api.test_executions import assert_problem
from tests.conftest import fast_settings
from tests.support.disks import fill_capped


def test_a_full_database_answers_503_storage_full(tmp_path: Path, sqlite_url: str) -> None:
    db = Database(sqlite_url, max_page_count=200)
    fill_capped(db)
    accepted = []
    with TestClient(create_app(db, fast_settings(tmp_path, sqlite_url))) as client:
        for _ in range(1000):  # the last free bytes of the last pages take a few more
            response = client.post("/v1/pipelines/runplane.noop/run")
            if response.status_code != 201:
                break
            accepted.append(response.json()["execution_id"])
    body = assert_problem(response, 503, "full", str(db.location))
    assert body["type"] == "urn:runplane:problem:storage-full"
    assert body["title"] == "Storage full"
    assert response.headers["retry-after"]
    with db.read() as conn:
        pending = store.list_executions(
            conn, store.ExecutionFilter(statuses=frozenset({ExecutionStatus.PENDING})), limit=1000
        )
    assert sorted(e.execution_id for e in pending) == sorted(accepted)
    db.dispose()


def test_a_removed_database_file_answers_503_database_unavailable(
    tmp_path: Path, sqlite_url: str
) -> None:
    db = Database(sqlite_url)
    with TestClient(create_app(db, fast_settings(tmp_path, sqlite_url))) as client:
        assert client.get("/v1/executions").status_code == 200
        assert db.path is not None
        db.path.unlink()
        response = client.post("/v1/pipelines/runplane.noop/run")
    body = assert_problem(response, 503, "was removed while Runplane had it open")
    assert body["type"] == "urn:runplane:problem:database-unavailable"
    db.dispose()
