"""The published OpenAPI document, and schemathesis against it over real HTTP: generated
requests (valid and not) never get a 5xx, and every response matches its documented schema,
status code and content type. Bounded: 25 examples per operation, no live tail (SSE)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store
from runplane.store.schema import upgrade
from tests.api.conftest import Server, start_server
from tests.conftest import fast_settings
from tests.factories import make_execution, make_schedule

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_every_error_response_is_documented_as_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and status != "503":
                    assert list(response["content"]) == ["application/problem+json"], (
                        f"{method} {path} {status}"
                    )
            assert operation["summary"], f"{method} {path} has no summary"
            assert operation["description"], f"{method} {path} has no docstring"


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on SQLite with a few executions, one with a log, and a schedule named like
    the known pipeline, to fuzz (ids in `known`)."""
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{folder / 'runplane.db'}"
    db = Database(url)
    upgrade(db)
    with db.write() as conn:
        failed = make_execution(conn, status="failed", pipeline="runplane.fail")
        make_execution(conn, retry_of=failed.execution_id, attempt=2)
        make_schedule(conn, name=KNOWN["name"], cron="0 6 * * 2")
        log_store.insert_log_lines(
            conn,
            [LogLine(failed.execution_id, i, failed.created_at, "INFO", f"l{i}") for i in (1, 2)],
        )
    db.dispose()
    KNOWN["execution_id"] = failed.execution_id
    yield from start_server(fast_settings(folder, url), folder / "serve.log")


KNOWN: dict[str, str] = {"name": "runplane.fail"}
"""Path values that exist, so positive cases also reach the 200 responses."""


OPERATIONS = [
    ("GET", "/health"),
    ("GET", "/v1/capabilities"),
    ("GET", "/metrics"),
    ("GET", "/v1/executions"),
    ("GET", "/v1/executions/{execution_id}"),
    ("GET", "/v1/executions/{execution_id}/logs"),
    ("POST", "/v1/executions/{execution_id}/retry"),
    ("POST", "/v1/executions/{execution_id}/cancel"),
    ("GET", "/v1/pipelines"),
    ("GET", "/v1/pipelines/{name}"),
    ("POST", "/v1/pipelines/{name}/run"),
    ("GET", "/v1/assets/weeks"),
    ("GET", "/v1/assets/weeks/{tier}/{week_ending}"),
    ("GET", "/v1/assets/weeks/{tier}/{week_ending}/captures"),
    ("GET", "/v1/assets/symbols/{tier}/{symbol}"),
    ("GET", "/v1/schedules"),
    ("GET", "/v1/schedules/{name}"),
    ("PUT", "/v1/schedules/{name}"),
    ("DELETE", "/v1/schedules/{name}"),
    ("POST", "/v1/schedules/{name}/enable"),
    ("POST", "/v1/schedules/{name}/disable"),
    ("GET", "/v1/audit"),
]


def test_the_fuzzed_operations_are_all_the_published_ones(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    published = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert published == set(OPERATIONS)


@pytest.fixture(scope="module")
def published_schema(fuzzed_server: Server) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")


NO_INVALID_INPUT = {  # no parameters, or only a free-text path segment: nothing to negate
    ("GET", "/health"),
    ("GET", "/v1/capabilities"),
    ("GET", "/metrics"),
    ("GET", "/v1/pipelines"),
    ("GET", "/v1/executions/{execution_id}"),
    ("POST", "/v1/executions/{execution_id}/cancel"),
    ("GET", "/v1/pipelines/{name}"),
    ("GET", "/v1/schedules/{name}"),
    ("DELETE", "/v1/schedules/{name}"),
    ("POST", "/v1/schedules/{name}/enable"),
    ("POST", "/v1/schedules/{name}/disable"),
}
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if (m, p) not in NO_INVALID_INPUT
]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_generated_requests_get_documented_answers(
    published_schema: BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = published_schema[path][method]
    known = {k: v for k, v in KNOWN.items() if "{" + k + "}" in path}
    strategy = operation.as_strategy(generation_mode=mode)
    if known and mode is GenerationMode.POSITIVE:
        strategy = strategy | operation.as_strategy(generation_mode=mode, path_parameters=known)

    @given(case=strategy)
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Case) -> None:
        if path.endswith("/logs"):
            case.query = {**(case.query or {}), "follow": "false"}  # no live tail here
        case.call_and_validate(checks=CHECKS, timeout=10)

    check()
