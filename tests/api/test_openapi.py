"""The published OpenAPI document, and schemathesis against it over real HTTP: generated
requests (valid and not) never get a 5xx, every response matches its documented schema,
status code and content type, a valid request is not refused (401, 403, 404 and 409 are
answers, not refusals), and every execution the fuzzing created answers for itself afterwards.
Bounded: 25 examples per operation (RUNPLANE_TEST_FUZZ_EXAMPLES for a longer hunt), no live
tail (SSE)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from runplane.model import LogLine
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store.schema import upgrade
from tests.api.conftest import Server, start_server
from tests.conftest import fast_settings
from tests.factories import make_execution, make_schedule

ANSWERS = ["2xx", "401", "403", "404", "409"]
"""What a valid request may get: done, a token it does not know or a role that may not,
no such thing, or refused by its state."""


def created_executions_answer(ctx: CheckContext, response: Any, case: Case) -> None:
    """An execution a request created reads back: its detail and its log page answer 200."""
    if response.status_code != 201 or not case.path.endswith(("/run", "/retry")):
        return
    execution_id = response.json()["execution_id"]
    sent = httpx.URL(str(response.request.url))
    base = f"{sent.scheme}://{sent.netloc.decode()}"
    for path in (f"/v1/executions/{execution_id}", f"/v1/executions/{execution_id}/logs"):
        answer = httpx.get(f"{base}{path}", timeout=10)
        assert answer.status_code == 200, f"GET {path} after {case.path}: {answer.text}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    created_executions_answer,
]


def test_every_error_response_is_documented_as_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and (path, status) != ("/health", "503"):
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
    ("GET", "/v1/executions/compare"),
    ("GET", "/v1/executions/summary"),
    ("GET", "/v1/executions/{execution_id}"),
    ("GET", "/v1/executions/{execution_id}/logs"),
    ("GET", "/v1/executions/{execution_id}/resources"),
    ("POST", "/v1/executions/{execution_id}/retry"),
    ("POST", "/v1/executions/{execution_id}/cancel"),
    ("GET", "/v1/logs/search"),
    ("POST", "/v1/bulk"),
    ("GET", "/v1/bulk/{bulk_id}"),
    ("POST", "/v1/bulk/{bulk_id}/cancel"),
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
    ("GET", "/v1/notifications"),
    ("GET", "/v1/notifications/{name}"),
    ("PUT", "/v1/notifications/{name}"),
    ("DELETE", "/v1/notifications/{name}"),
    ("POST", "/v1/notifications/{name}/test"),
    ("GET", "/v1/audit"),
    ("GET", "/v1/workers"),
]


def test_the_fuzzed_operations_are_all_the_published_ones(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    published = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert published == set(OPERATIONS)


@pytest.fixture(scope="module")
def published_schema(fuzzed_server: Server) -> BaseSchema:
    config = SchemathesisConfig.from_dict(
        {"checks": {"positive_data_acceptance": {"expected-statuses": ANSWERS}}}
    )
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json", config=config)


NO_INVALID_INPUT = {  # no parameters, or only a free-text path segment: nothing to negate
    ("GET", "/health"),
    ("GET", "/v1/capabilities"),
    ("GET", "/metrics"),
    ("GET", "/v1/pipelines"),
    ("GET", "/v1/executions/{execution_id}"),
    ("POST", "/v1/executions/{execution_id}/cancel"),
    ("GET", "/v1/bulk/{bulk_id}"),
    ("POST", "/v1/bulk/{bulk_id}/cancel"),
    ("GET", "/v1/pipelines/{name}"),
    ("GET", "/v1/schedules/{name}"),
    ("DELETE", "/v1/schedules/{name}"),
    ("POST", "/v1/schedules/{name}/enable"),
    ("POST", "/v1/schedules/{name}/disable"),
    ("GET", "/v1/notifications"),
    ("GET", "/v1/notifications/{name}"),
    ("DELETE", "/v1/notifications/{name}"),
    ("POST", "/v1/notifications/{name}/test"),
    ("GET", "/v1/workers"),
}
RULES_ACROSS_FIELDS = {
    ("GET", "/v1/executions"): "range or since/until, preset combinations, issued cursors",
    ("GET", "/v1/executions/{execution_id}/logs"): "format=text or follow, not both",
    ("GET", "/v1/logs/search"): "the query language's grammar, issued cursors",
    ("POST", "/v1/pipelines/{name}/run"): "params follow each pipeline's own schema",
    ("POST", "/v1/executions/{execution_id}/retry"): "params follow each pipeline's own schema",
    ("PUT", "/v1/schedules/{name}"): "cron syntax, IANA zones, the pipeline's params",
    ("POST", "/v1/bulk"): "a preview or its preview_id, a filter or ids, the list's filter values",
    ("PUT", "/v1/notifications/{name}"): "event, class and trigger names, globs, windows, "
    "and the variables the server's environment holds",
}
"""Operations whose validity the document cannot state (rules across fields, or another
document's schema): schema-valid requests may be refused there, so acceptance is not checked;
every other check still is."""

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

    checks = CHECKS
    if (method, path) in RULES_ACROSS_FIELDS:
        checks = [c for c in CHECKS if c is not positive_data_acceptance]

    @given(case=strategy)
    @settings(
        max_examples=int(os.environ.get("RUNPLANE_TEST_FUZZ_EXAMPLES", "25")),
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case) -> None:
        if path.endswith("/logs"):
            case.query = {**(case.query or {}), "follow": "false"}  # no live tail here
        case.call_and_validate(checks=checks, timeout=10)

    check()


@pytest.mark.slow
def test_every_execution_the_fuzzing_created_answers_once_it_ran(fuzzed_server: Server) -> None:
    """After the generated runs and retries ran (with whatever parameters passed validation),
    each one's detail, log page and log download answer 200."""
    client = fuzzed_server.client
    with fuzzed_server.db.read() as conn:
        ids = [e.execution_id for e in store.list_executions(conn, limit=100_000)]
    for execution_id in ids:
        fuzzed_server.wait_for_final(execution_id, timeout=60)
        for path in ("", "/logs", "/logs?format=text"):
            response = client.get(f"/v1/executions/{execution_id}{path}")
            assert response.status_code == 200, (execution_id, path, response.text)
