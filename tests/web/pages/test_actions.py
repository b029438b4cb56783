"""Retry and cancel from the dashboard in-process: the confirms, the posts through the
engine, refusals that change nothing, and double submissions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runplane.model.clock import utcnow
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.tables import executions
from tests.factories import make_execution
from tests.web.conftest import ORIGIN, text

SLEEP = {"seconds": 3.0, "lines_per_second": 0}


def count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(executions)).scalar_one())


def test_retry_confirm_lists_pipeline_and_parameters_with_a_form(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", pipeline="runplane.sleep", params=SLEEP)
    modal = client.get(f"/dashboard/executions/{failed.execution_id}/retry?fragment=modal").text
    words = text(modal)
    assert "Retry Execution?" in words
    assert "This will create a new execution with the same parameters:" in words
    assert "Pipeline runplane.sleep seconds 3.0 lines_per_second 0" in words
    assert "Modify parameters before retry" in words
    assert 'name="p.seconds" value="3.0"' in modal
    assert 'type="number"' in modal
    assert "Cancel Retry Now" in words
    assert "<html" not in modal
    page = client.get(f"/dashboard/executions/{failed.execution_id}/retry").text
    assert 'aria-label="Sections"' in page


def test_retry_without_changes_opens_a_linked_execution(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", pipeline="runplane.sleep", params=SLEEP)
    response = client.post(
        f"/dashboard/executions/{failed.execution_id}/retry",
        data={"p.seconds": "9"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303
    new_id = response.headers["location"].rsplit("/", 1)[1]
    with sqlite_db.read() as conn:
        retry = store.get_execution(conn, new_id)
    assert retry.retry_of == failed.execution_id
    assert retry.params == SLEEP
    assert retry.attempt == 2
    assert retry.triggered_by == "local"


def test_retry_with_modified_parameters_uses_them(client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="cancelled", pipeline="runplane.sleep", params=SLEEP)
    response = client.post(
        f"/dashboard/executions/{failed.execution_id}/retry",
        data={"modify": "1", "p.seconds": "0.5", "p.lines_per_second": "10"},
        headers=ORIGIN,
    )
    assert response.status_code == 200
    new_id = str(response.url).rsplit("/", 1)[1]
    with sqlite_db.read() as conn:
        retry = store.get_execution(conn, new_id)
    assert retry.params == {"seconds": 0.5, "lines_per_second": 10}
    assert retry.retry_of == failed.execution_id


def test_invalid_changed_parameters_come_back_inline_and_create_nothing(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", pipeline="runplane.sleep", params=SLEEP)
    before = count(sqlite_db)
    response = client.post(
        f"/dashboard/executions/{failed.execution_id}/retry",
        data={"modify": "1", "p.seconds": "-4", "p.lines_per_second": "0"},
        headers=ORIGIN,
    )
    assert response.status_code == 422
    assert (
        'data-error-for="seconds">Input should be greater than or equal to 0</p>' in response.text
    )
    assert "<del>3.0</del> → <ins>-4</ins>" in response.text
    assert count(sqlite_db) == before


def test_a_second_retry_while_the_first_is_pending_is_refused(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", pipeline="runplane.sleep", params=SLEEP)
    url = f"/dashboard/executions/{failed.execution_id}/retry"
    first = client.post(url, headers=ORIGIN, follow_redirects=False)
    assert first.status_code == 303
    before = count(sqlite_db)
    second = client.post(url, headers=ORIGIN)
    assert second.status_code == 409
    assert "an identical run of runplane.sleep is already pending" in text(second.text)
    assert count(sqlite_db) == before
    confirm = text(client.get(url).text)
    assert "An identical run is pending: open it" in confirm
    assert "Retry Now" not in confirm


def test_cancel_confirm_says_running_or_queued_for(client: TestClient, sqlite_db: Database) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        running = make_execution(conn, status="running", pipeline="runplane.sleep", started_at=now)
        pending = make_execution(conn, status="pending", created_at=now)
    words = text(
        client.get(f"/dashboard/executions/{running.execution_id}/cancel?fragment=modal").text
    )
    assert "Cancel Execution? ⚠️ This may leave data in an inconsistent state." in words
    assert "Pipeline runplane.sleep Running for" in words
    assert "Keep Running Cancel" in words
    queued = text(client.get(f"/dashboard/executions/{pending.execution_id}/cancel").text)
    assert "Queued for" in queued


def test_cancel_post_stops_a_pending_run_and_goes_back(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        pending = make_execution(conn, status="pending")
    response = client.post(
        f"/dashboard/executions/{pending.execution_id}/cancel",
        data={"back": "/dashboard/executions?status=pending"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/executions?status=pending"
    with sqlite_db.read() as conn:
        assert store.get_execution(conn, pending.execution_id).status == "cancelled"
    again = client.post(f"/dashboard/executions/{pending.execution_id}/cancel", headers=ORIGIN)
    assert again.status_code == 409
    assert "already ended cancelled; nothing to cancel" in text(again.text)


def test_cancel_of_a_running_run_records_the_request(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        running = make_execution(conn, status="running", started_at=utcnow())
    for _ in range(2):  # a double submission asks once; the first requester is kept
        response = client.post(
            f"/dashboard/executions/{running.execution_id}/cancel",
            data={"back": "https://evil.example/"},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/dashboard/executions/{running.execution_id}"
    with sqlite_db.read() as conn:
        after = store.get_execution(conn, running.execution_id)
    assert after.status == "running"
    assert after.cancel_requested_by == "local"
    page = text(client.get(f"/dashboard/executions/{running.execution_id}").text)
    assert "Stopping: cancel requested by local" in page
