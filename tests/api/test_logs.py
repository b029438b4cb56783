"""`/v1/executions/{id}/logs`: pages, level filter, search over the whole log, first error,
text download, and the live tail as Server-Sent Events over real HTTP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store
from tests.api.conftest import Server
from tests.api.test_executions import assert_problem
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 10, 15, 123000, tzinfo=UTC)
TEXT_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO |WARNING|ERROR|CRITICAL) .*$")


@pytest.fixture
def logged(sqlite_db: Database) -> str:
    """A failed execution with 2,500 lines; errors at lines 1,700 and 2,400."""
    with sqlite_db.write() as conn:
        execution = make_execution(conn, status="failed", pipeline="runplane.fail")
        lines = [
            LogLine(
                execution.execution_id,
                seq,
                T0 + timedelta(milliseconds=seq),
                "ERROR" if seq in (1700, 2400) else ("WARNING" if seq % 500 == 0 else "INFO"),
                f"row {seq}" + (" needle" if seq % 1000 == 7 else ""),
            )
            for seq in range(1, 2501)
        ]
        log_store.insert_log_lines(conn, lines)
    return execution.execution_id


def test_first_page_reports_total_first_error_and_more(client: TestClient, logged: str) -> None:
    body = client.get(f"/v1/executions/{logged}/logs").json()
    assert [line["seq"] for line in body["lines"]] == list(range(1, 501))
    assert body["lines"][0] == {
        "seq": 1,
        "at": "2025-12-22T08:10:15.124000Z",
        "level": "INFO",
        "message": "row 1",
    }
    assert body["has_more"] is True
    assert body["next_after"] == 500
    assert body["total_lines"] == 2500
    assert body["first_error_seq"] == 1700
    assert body["finished"] is True


def test_after_continues_where_the_page_ended(client: TestClient, logged: str) -> None:
    body = client.get(f"/v1/executions/{logged}/logs", params={"after": 2000}).json()
    assert [line["seq"] for line in body["lines"]] == list(range(2001, 2501))
    assert body["has_more"] is False


def test_after_the_largest_line_number_is_an_empty_page(client: TestClient, logged: str) -> None:
    page = client.get(f"/v1/executions/{logged}/logs", params={"after": str(2**63 - 1)})
    assert page.status_code == 200, page.text
    assert page.json()["lines"] == []


def test_search_covers_the_whole_log_not_just_a_page(client: TestClient, logged: str) -> None:
    body = client.get(
        f"/v1/executions/{logged}/logs", params={"search": "NEEDLE", "limit": 10}
    ).json()
    assert [line["seq"] for line in body["lines"]] == [7, 1007, 2007]


def test_level_filter_keeps_only_those_levels(client: TestClient, logged: str) -> None:
    body = client.get(
        f"/v1/executions/{logged}/logs", params=[("level", "error"), ("level", "WARNING")]
    ).json()
    expected = sorted({1700, 2400} | {s for s in range(1, 2501) if s % 500 == 0})
    assert [line["seq"] for line in body["lines"]] == expected


def test_text_download_is_the_whole_log_with_a_filename(client: TestClient, logged: str) -> None:
    response = client.get(f"/v1/executions/{logged}/logs", params={"format": "text"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="runplane.fail-{logged}.log"'
    )
    lines = response.text.splitlines()
    assert len(lines) == 2500
    assert lines[0] == "08:10:15.124 INFO  row 1"
    assert all(TEXT_LINE.match(line) for line in lines)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "-1"}, "after"),
        ({"after": "x"}, "after"),
        ({"after": str(2**64)}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5001"}, "limit"),
        ({"level": "LOUD"}, "level"),
        ({"format": "pdf"}, "format"),
        ({"follow": "maybe"}, "follow"),
        ({"format": "text", "follow": "true"}, "follow"),
        ({"search": "a\x00b"}, "search"),
        ({"levels": "ERROR"}, "levels"),
    ],
)
def test_bad_log_queries_are_400(
    client: TestClient, logged: str, query: dict[str, str], field: str
) -> None:
    body = assert_problem(client.get(f"/v1/executions/{logged}/logs", params=query), 400)
    assert [e["field"] for e in body["errors"]] == [field]


def test_follow_streams_lines_until_the_execution_ends(shared_server: Server) -> None:
    started = shared_server.client.post(
        "/v1/pipelines/runplane.sleep/run",
        json={"params": {"seconds": 1.5, "lines_per_second": 40}},
    ).json()
    execution_id = started["execution_id"]
    events: list[tuple[str, str, dict[str, object]]] = []
    with shared_server.client.stream(
        "GET", f"/v1/executions/{execution_id}/logs", params={"follow": "true"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event_id, kind = "", ""
        for raw in response.iter_lines():
            if raw.startswith("id: "):
                event_id = raw[4:]
            elif raw.startswith("event: "):
                kind = raw[7:]
            elif raw.startswith("data: "):
                events.append((kind, event_id, json.loads(raw[6:])))
                event_id = ""
    assert events[-1][0] == "end"
    assert events[-1][2]["status"] == "completed"
    lines = [data for kind, _, data in events if kind == "line"]
    seqs = [int(str(line["seq"])) for line in lines]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [e for _, e, _ in events if e] == [str(s) for s in seqs]
    assert lines[-1]["message"] == "Execution complete: COMPLETED"
    ticks = [line for line in lines if str(line["message"]).startswith("tick ")]
    assert len(ticks) >= 40
    # the streamed lines are exactly what the log holds
    stored = shared_server.client.get(f"/v1/executions/{execution_id}/logs").json()
    assert [line["seq"] for line in stored["lines"]] == seqs
