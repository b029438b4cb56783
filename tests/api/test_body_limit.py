"""The request body limit: 413 before the application reads a body larger than it, as
problem+json on the API and as a page on the dashboard; bodies under it pass untouched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from runplane.server import create_app
from runplane.store import Database
from tests.api.test_executions import assert_problem
from tests.conftest import fast_settings

LIMIT = 4096


def client_with_limit(tmp_path: Path, sqlite_db: Database) -> TestClient:
    settings = fast_settings(tmp_path, str(sqlite_db.url), max_body_bytes=LIMIT)
    return TestClient(create_app(sqlite_db, settings))


def test_a_body_declared_larger_than_the_limit_is_413(tmp_path: Path, sqlite_db: Database) -> None:
    with client_with_limit(tmp_path, sqlite_db) as client:
        body = b'{"params": {"x": "' + b"y" * 10_000 + b'"}}'
        response = client.post(
            "/v1/pipelines/runplane.noop/run",
            content=body,
            headers={"content-type": "application/json"},
        )
    problem = assert_problem(response, 413, "10,021 bytes", "RUNPLANE_MAX_BODY_BYTES")
    assert problem["type"] == "urn:runplane:problem:body-too-large"


def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    tmp_path: Path, sqlite_db: Database
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 1000

    with client_with_limit(tmp_path, sqlite_db) as client:
        response = client.post(
            "/v1/pipelines/runplane.noop/run",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    assert_problem(response, 413, "longer than the 4,096 bytes")


def test_a_chunked_body_under_the_limit_reaches_the_route(
    tmp_path: Path, sqlite_db: Database
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"dry_run": '
        yield b"true}"

    with client_with_limit(tmp_path, sqlite_db) as client:
        response = client.post(
            "/v1/pipelines/runplane.noop/run",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 201, response.text
    assert response.json()["dry_run"] is True


def test_the_dashboard_answers_a_page_in_its_shell(tmp_path: Path, sqlite_db: Database) -> None:
    with client_with_limit(tmp_path, sqlite_db) as client:
        response = client.post(
            "/dashboard/pipelines/runplane.sleep/run",
            content=b"p.seconds=" + b"1" * 10_000,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "origin": "http://testserver",
            },
        )
    assert response.status_code == 413
    assert "content-security-policy" in response.headers
    assert "This form is too large to read" in response.text
    assert "RUNPLANE_MAX_BODY_BYTES" in response.text
