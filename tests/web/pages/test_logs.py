"""The log view's data: windows either side of a line, search and level filter over the
whole log, the first error, the tail, and the whole log as a text file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from runplane.model import LogLine
from runplane.model.clock import utcnow
from runplane.store import Database
from runplane.store import logs as log_store
from tests.factories import make_execution

LINES = 3000


@pytest.fixture
def logged(sqlite_db: Database) -> str:
    """A finished execution with 3,000 lines; every 1,000th is an ERROR."""
    now = utcnow()
    with sqlite_db.write() as conn:
        execution = make_execution(conn, status="failed", created_at=now)
        log_store.insert_log_lines(
            conn,
            [
                LogLine(
                    execution.execution_id,
                    seq,
                    now + timedelta(milliseconds=seq),
                    "ERROR" if seq % 1000 == 0 else "INFO",
                    f"row {seq} <b>done</b>",
                )
                for seq in range(1, LINES + 1)
            ],
        )
    return execution.execution_id


def lines(client: TestClient, execution_id: str, query: str) -> dict[str, object]:
    response = client.get(f"/dashboard/executions/{execution_id}/logs/lines?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def seqs(body: dict[str, object]) -> list[int]:
    return [int(line["seq"]) for line in body["lines"]]  # type: ignore[attr-defined, index]


def test_windows_page_forward_and_back_without_gaps(client: TestClient, logged: str) -> None:
    first = lines(client, logged, "after=0&limit=500")
    assert seqs(first) == list(range(1, 501))
    assert (first["has_before"], first["has_more"]) == (False, True)
    assert first["total_lines"] == LINES
    assert first["first_error_seq"] == 1000
    assert first["finished"] is True
    assert first["lines"][0]["at"].endswith("Z")  # type: ignore[index]
    assert first["next_after"] == 500
    back = lines(client, logged, "before=1501&limit=500")
    assert seqs(back) == list(range(1001, 1501))
    assert (back["has_before"], back["has_more"]) == (True, True)
    tail = lines(client, logged, "tail=1&limit=200")
    assert seqs(tail) == list(range(2801, 3001))
    assert tail["has_more"] is False


def test_jump_to_the_first_error_lands_just_before_it(client: TestClient, logged: str) -> None:
    body = lines(client, logged, "around=1000&limit=100")
    assert 1000 in seqs(body)
    assert seqs(body)[0] == 981
    assert body["has_before"] is True


def test_search_and_level_filter_cover_the_whole_log(client: TestClient, logged: str) -> None:
    errors = lines(client, logged, "level=ERROR")
    assert seqs(errors) == [1000, 2000, 3000]
    found = lines(client, logged, "search=ROW%202999%20")
    assert seqs(found) == [2999]
    line = found["lines"][0]  # type: ignore[index]
    assert line["message"] == "row 2999 <b>done</b>"  # type: ignore[index]
    assert line["level"] == "INFO"  # type: ignore[index]
    bad = client.get(f"/dashboard/executions/{logged}/logs/lines?level=LOUD")
    assert bad.status_code == 400
    assert "unknown log level 'LOUD'" in bad.json()["error"]


def test_download_is_the_whole_log_as_text(client: TestClient, logged: str) -> None:
    response = client.get(f"/dashboard/executions/{logged}/logs.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "attachment" in response.headers["content-disposition"]
    text_lines = response.text.splitlines()
    assert len(text_lines) == LINES
    assert text_lines[999].split(" ", 2)[1:] == ["ERROR", "row 1000 <b>done</b>"]
    assert len(text_lines[0].split(" ")[0]) == len("08:10:15.123")


def test_unknown_execution_logs_are_not_found(client: TestClient) -> None:
    assert client.get("/dashboard/executions/nope/logs/lines").status_code == 404
