"""The dashboard's log search in-process: the Executions page's box, results grouped by
execution linking to their lines in the Logs tab, HTML in lines shown as text, a malformed
query as a form error, the Logs tab opening at a line, and the basic tier's lock."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from runplane.model import ExecutionStatus
from runplane.store import Database
from tests.conftest import FakeClock
from tests.factories import make_execution, make_log
from tests.web.conftest import text


def test_the_executions_page_has_a_search_logs_box(client: TestClient) -> None:
    page = client.get("/dashboard/executions").text
    form = re.search(r'<form class="log-search-box"[^>]*>', page)
    assert form is not None
    assert 'method="get" action="/dashboard/logs/search"' in form.group(0)
    assert 'name="q"' in page


def test_results_group_lines_by_execution_and_link_to_the_line(
    clocked_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    with sqlite_db.write() as conn:
        older = make_execution(conn, created_at=clock() - timedelta(hours=3))
        newer = make_execution(
            conn, created_at=clock() - timedelta(hours=1), status=ExecutionStatus.FAILED
        )
        make_log(conn, older, [("INFO", "start"), ("ERROR", "upstream refused a1b2-c3")])
        make_log(
            conn, newer,
            [("INFO", "<b>bold</b> upstream"), ("INFO", "<script>alert(1)</script>")],
        )  # fmt: skip
    page = clocked_client.get("/dashboard/logs/search", params={"q": "upstream"}).text
    ids = re.findall(r'<li class="search-hit card" data-id="([^"]+)"', page)
    assert ids == [newer.execution_id, older.execution_id]
    assert f'href="/dashboard/executions/{older.execution_id}?tab=logs&amp;line=2"' in page
    assert "&lt;b&gt;bold&lt;/b&gt; upstream" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "<b>bold" not in page
    words = text(page)
    assert "Executions whose logs match upstream in the last 7 days, newest first" in words
    assert "1 matching line" in words

    by_id = clocked_client.get("/dashboard/logs/search", params={"q": "a1b2-c3", "level": "error"})
    assert re.findall(r'data-id="([^"]+)"', by_id.text) == [older.execution_id]
    none = clocked_client.get("/dashboard/logs/search", params={"q": "quokka"})
    assert "No log line matches quokka in the last 7 days" in text(none.text)


def test_a_malformed_query_is_a_form_error_keeping_what_was_typed(client: TestClient) -> None:
    response = client.get("/dashboard/logs/search", params={"q": 'timeout "disk'})
    assert response.status_code == 400
    assert "Unbalanced quote at position 9: close the phrase with &#34;." in response.text
    assert 'value="timeout &#34;disk"' in response.text


def test_the_logs_tab_opens_at_the_line_a_result_links_to(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        execution = make_execution(conn)
        make_log(conn, execution, [("INFO", f"line {n}") for n in range(1, 501)])
    page = client.get(f"/dashboard/executions/{execution.execution_id}?tab=logs&line=400").text
    assert 'data-hit="400"' in page
    assert 'data-has-before="true"' in page
    assert '<div class="ln l-INFO hit" data-seq="400" id="L400">' in page
    assert 'data-seq="1"' not in page
    plain = client.get(f"/dashboard/executions/{execution.execution_id}?tab=logs&line=x").text
    assert "data-hit" not in plain
    assert 'data-seq="1"' in plain


def test_the_basic_tier_shows_search_locked(basic_client: TestClient) -> None:
    page = basic_client.get("/dashboard/logs/search", params={"q": "x"}).text
    assert "Execution history is available in the Intermediate tier" in text(page)


def test_older_executions_page_on_with_the_same_search(
    clocked_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    with sqlite_db.write() as conn:
        made = [make_execution(conn, created_at=clock() - timedelta(minutes=n)) for n in range(3)]
        for execution in made:
            make_log(conn, execution, [("WARNING", "slow upstream")])
    first = clocked_client.get(
        "/dashboard/logs/search", params={"q": "slow", "level": "warning", "limit": "2"}
    ).text
    assert re.findall(r'<li class="search-hit card" data-id="([^"]+)"', first) == [
        e.execution_id for e in made[:2]
    ]
    more = re.search(r'href="(/dashboard/logs/search\?[^"]+)" data-search-more', first)
    assert more is not None
    assert "q=slow&amp;level=warning&amp;limit=2&amp;cursor=" in more.group(1)
    rest = clocked_client.get(more.group(1).replace("&amp;", "&")).text
    assert re.findall(r'data-id="([^"]+)"', rest) == [made[2].execution_id]
    assert "data-search-more" not in rest
