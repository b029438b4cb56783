"""The dashboard's bulk retry and cancel: the action bar's preview (page and modal) over
ticked rows or every matching execution, the start, the operation's page and its stop."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from runplane.model.clock import utcnow
from runplane.store import Database
from runplane.store import bulk as bulk_store
from tests.factories import failed_typed, make_execution, make_session, make_user
from tests.web.conftest import ORIGIN, text


def post(client: TestClient, url: str, data: dict[str, Any] | None = None) -> Any:
    """A dashboard form post from this server's page (the client adds the CSRF token)."""
    return client.post(url, data=data or {}, headers=ORIGIN, follow_redirects=False)


def seed(db: Database) -> tuple[list[str], str]:
    at = utcnow() - timedelta(minutes=5)
    with db.write() as conn:
        failed = [failed_typed(conn, n, created_at=at).execution_id for n in (1, 2, 3)]
        done = make_execution(conn, created_at=at).execution_id
    return failed, done


def test_the_list_has_a_checkbox_per_row_and_an_action_bar(
    client: TestClient, sqlite_db: Database
) -> None:
    failed, done = seed(sqlite_db)
    page = client.get("/dashboard/executions").text
    boxes = re.findall(r'name="ids" value="([^"]+)" form="bulk"', page)
    assert sorted(boxes) == sorted([*failed, done])
    assert "Select all 4 matching" in text(page)
    assert "Retry selected" in page
    assert "Cancel selected" in page


def test_ticked_rows_preview_in_the_modal_then_the_operation_page(
    client: TestClient, sqlite_db: Database
) -> None:
    failed, done = seed(sqlite_db)
    modal = post(
        client,
        "/dashboard/bulk/preview?fragment=modal",
        data={"action": "retry", "ids": [failed[0], failed[1], done]},
    )
    assert modal.status_code == 200, modal.text
    words = text(modal.text)
    assert "Retry executions?" in words
    assert "3 matching · 2 will be retried · 1 skipped" in words
    assert "1 skipped: Not in a state that allows it" in words
    preview_id = re.search(r'name="preview_id" value="([^"]+)"', modal.text)
    assert preview_id
    started = post(
        client,
        "/dashboard/bulk",
        data={"preview_id": preview_id[1], "max": "2"},
    )
    assert started.status_code == 303
    bulk_id = started.headers["location"].rsplit("/", 1)[1]
    page = client.get(started.headers["location"])
    assert page.status_code == 200
    assert "0 of 2 done or skipped" in text(page.text)
    assert "Stop this operation" in page.text
    live = client.get(f"{started.headers['location']}?fragment=live")
    assert '<template data-part="final"></template>' in live.text
    stopped = post(client, f"/dashboard/bulk/{bulk_id}/cancel")
    assert stopped.status_code == 303
    after = text(client.get(started.headers["location"]).text)
    assert "Cancelled" in after
    assert "2: Operation cancelled first" in after


def test_select_all_matching_previews_the_lists_filter(
    client: TestClient, sqlite_db: Database
) -> None:
    seed(sqlite_db)
    page = post(
        client,
        "/dashboard/bulk/preview",
        data={"action": "retry", "all": "1", "f.status": "failed"},
    )
    assert page.status_code == 200
    assert "3 matching · 3 will be retried · 0 skipped" in text(page.text)
    with sqlite_db.read() as conn:
        assert bulk_store.list_running(conn) == []


def test_nothing_ticked_or_a_bad_filter_is_a_form_error(client: TestClient) -> None:
    empty = post(client, "/dashboard/bulk/preview?fragment=modal", data={"action": "retry"})
    assert empty.status_code == 400
    assert "Tick at least one execution, or select all matching." in text(empty.text)
    bad = post(
        client, "/dashboard/bulk/preview", data={"action": "cancel", "all": "1", "f.status": "done"}
    )
    assert bad.status_code == 400
    assert "Unknown execution status 'done'" in text(bad.text)


def test_a_viewer_sees_the_bar_disabled_and_cannot_preview(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_user(conn, "vera", "viewer")
        secret, _ = make_session(conn, "vera", expires_at=utcnow() + timedelta(hours=1))
    client.cookies.set("runplane_session", secret)
    page = client.get("/dashboard/executions").text
    assert "A bulk retry or cancel of executions needs the operator role" in text(page)
    refused = post(client, "/dashboard/bulk/preview", data={"action": "retry", "all": "1"})
    assert refused.status_code == 403
