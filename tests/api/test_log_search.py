"""`GET /v1/logs/search`: a real run's lines found over real HTTP on both databases, ids with
punctuation and HTML returned as they were written, malformed queries as 400 problems and
the basic tier's lock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from runplane.model.log_query import MAX_QUERY
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from tests.api.conftest import Server
from tests.api.test_executions import assert_problem
from tests.factories import make_execution, make_log


def test_a_real_runs_line_is_found_with_its_neighbours(shared_server: Server) -> None:
    client = shared_server.client
    created = client.post("/v1/pipelines/runplane.fail/run").json()
    execution_id = created["execution_id"]
    shared_server.wait_for_final(execution_id)
    lines = client.get(f"/v1/executions/{execution_id}/logs").json()["lines"]
    error = next(line for line in lines if line["level"] == "ERROR")
    query = f'"{error["message"].splitlines()[0][:60]}" level:error'
    response = client.get("/v1/logs/search", params={"q": query, "status": "failed"})
    assert response.status_code == 200, response.text
    body = response.json()
    found = next(i for i in body["items"] if i["execution"]["execution_id"] == execution_id)
    assert found["execution"]["status"] == "failed"
    assert any(line["match"] and line["seq"] == error["seq"] for line in found["lines"])
    assert body["filters"]["status"] == ["failed"]
    assert body["filters"]["range"] == "7d"


def test_ids_with_punctuation_and_html_come_back_as_written(
    shared_server: Server,
) -> None:
    token = uuid.uuid4().hex[:12]
    with shared_server.db.write() as conn:
        execution = make_execution(conn, created_at=datetime.now(UTC) - timedelta(hours=1))
        make_log(
            conn,
            execution,
            [
                ("INFO", f"capture finra.otc/{token}-c3 opened"),
                ("INFO", f"<script>alert('{token}')</script>"),
                ("INFO", "done"),
            ],
        )
    client = shared_server.client
    by_id = client.get("/v1/logs/search", params={"q": f"finra.otc/{token}-c3"}).json()
    assert [i["execution"]["execution_id"] for i in by_id["items"]] == [execution.execution_id]
    assert by_id["query"] == f'"finra otc {token} c3"'
    html = client.get("/v1/logs/search", params={"q": f"<script> {token}"}).json()
    (item,) = html["items"]
    assert [(line["seq"], line["match"]) for line in item["lines"]] == [
        (1, False), (2, True), (3, False),
    ]  # fmt: skip
    assert item["lines"][1]["message"] == f"<script>alert('{token}')</script>"


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ({"q": 'timeout "disk full'}, "Unbalanced quote at position 9"),
        ({"q": ""}, "The query is empty"),
        ({}, "The query is empty"),
        ({"q": "* -"}, "follows no word"),
        ({"q": "- ::"}, "Nothing to search for"),
        ({"q": "x" * (MAX_QUERY + 1)}, f"shorten it to {MAX_QUERY} or fewer"),
        ({"q": "level:loud"}, "Unknown level 'loud' at position 7"),
        ({"q": "x", "level": "loud"}, "Unknown log level 'loud'"),
        ({"q": "x", "cursor": "garbage"}, "Cursor is not one this server issued"),
        ({"q": "x", "search": "y"}, "search"),
    ],
)
def test_a_malformed_search_is_a_400_saying_what_is_wrong(
    client: TestClient, query: dict[str, str], phrase: str
) -> None:
    assert_problem(client.get("/v1/logs/search", params=query), 400, phrase)


def test_the_basic_tier_locks_search_as_it_locks_history(
    sqlite_db: Database, sqlite_settings: Settings
) -> None:
    settings = sqlite_settings.model_copy(update={"tier": "basic"})
    with TestClient(create_app(sqlite_db, settings)) as client:
        response = client.get("/v1/logs/search", params={"q": "x"})
    assert_problem(response, 403, "Execution history is available in the Intermediate tier")
