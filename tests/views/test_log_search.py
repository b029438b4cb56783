"""Search across every log, as the API, the dashboard and the CLI read it: parsing the
request, executions grouped newest first with their matching lines and neighbours, and
cursor pages, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from runplane.views.list_query import ListingError
from runplane.views.log_search import (
    LINES_PER_EXECUTION,
    page_json,
    parse_search,
    search_logs,
)
from tests.conftest import FakeClock
from tests.factories import make_execution, make_log


def test_the_request_defaults_to_seven_days_and_folds_the_level_filters() -> None:
    request = parse_search(q="level:error timeout", level=["ERROR", "warning"])
    assert request.filters.range == "7d"
    assert request.levels == ("ERROR",)
    assert request.query_params() == [("q", "level:error timeout"), ("level", "error")]
    assert parse_search(q="x", range="30d", status=["failed"]).query_params() == [
        ("q", "x"), ("status", "failed"), ("range", "30d"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "param", "message"),
    [
        ({"q": '"open'}, "q", "unbalanced quote at position 1"),
        ({"q": ""}, "q", "the query is empty"),
        ({"q": "x", "level": ["loud"]}, "level", "unknown log level 'loud'"),
        (
            {"q": "level:info", "level": ["error"]},
            "level",
            "level=error and the query's level:info share no level",
        ),
        ({"q": "x", "range": "2y"}, "range", "unknown range '2y'"),
        ({"q": "x", "limit": "0"}, "limit", "limit must be between 1 and 100"),
        ({"q": "x", "cursor": "!!"}, "cursor", "cursor is not one this server issued"),
    ],
)
def test_a_bad_request_names_its_parameter(
    values: dict[str, object], param: str, message: str
) -> None:
    with pytest.raises(ListingError) as caught:
        parse_search(**values)  # type: ignore[arg-type]
    assert caught.value.param == param
    assert caught.value.message.startswith(message)


def test_matches_are_grouped_by_execution_newest_first_with_neighbours(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        older = make_execution(conn, created_at=clock() - timedelta(hours=2))
        newer = make_execution(
            conn, created_at=clock() - timedelta(hours=1), status=ExecutionStatus.FAILED
        )
        outside = make_execution(conn, created_at=clock() - timedelta(days=8))
        make_log(conn, older, [("INFO", "a"), ("ERROR", "needle one"), ("INFO", "b")])
        make_log(conn, newer, [("INFO", f"needle {i}") for i in range(1, 9)])
        make_log(conn, outside, [("INFO", "needle old")])
    page = search_logs(db, parse_search(q="needle"), clock=clock)
    assert [i.execution.execution_id for i in page.items] == [
        newer.execution_id, older.execution_id,
    ]  # fmt: skip
    first, second = page.items
    assert (first.matches, first.more) == (8, 8 - LINES_PER_EXECUTION)
    assert [(s.line.seq, s.match) for s in first.lines] == [
        (1, True), (2, True), (3, True), (4, True), (5, True), (6, False),
    ]  # fmt: skip
    assert [(s.line.message, s.match) for s in second.lines] == [
        ("a", False), ("needle one", True), ("b", False),
    ]  # fmt: skip
    failed = search_logs(db, parse_search(q="needle", status=["failed"]), clock=clock)
    assert [i.execution.execution_id for i in failed.items] == [newer.execution_id]
    errors = search_logs(db, parse_search(q="level:error"), clock=clock)
    assert [(i.execution.execution_id, i.matches) for i in errors.items] == [
        (older.execution_id, 1),
    ]  # fmt: skip
    body = page_json(errors)
    assert body["query"] == "level:error"
    assert body["items"][0]["lines"][1] | {"at": None} == {
        "seq": 2, "at": None, "level": "ERROR", "message": "needle one", "match": True,
    }  # fmt: skip
    assert body["filters"]["range"] == "7d"
    assert body["filters"]["level"] == ["ERROR"]


def test_cursor_pages_continue_after_the_last_execution(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        made = [make_execution(conn, created_at=clock() - timedelta(minutes=i)) for i in range(5)]
        for execution in made:
            make_log(conn, execution, [("INFO", "paged finra.otc line")])
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        page = search_logs(db, parse_search(q="finra.otc", limit=2, cursor=cursor), clock=clock)
        seen += [i.execution.execution_id for i in page.items]
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert seen == [e.execution_id for e in made]
    assert cursor is None
