"""Switching schedules on and off from a pipeline page: the form post, where it goes back
to, and what is refused (another site's form, an unknown schedule, the basic tier)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from runplane.model.clock import utcnow
from runplane.store import Database
from runplane.store import schedules as schedule_store
from tests.factories import make_schedule
from tests.web.conftest import ORIGIN, text


def test_disable_then_enable_goes_back_to_the_schedule_section(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="weekly", created_at=utcnow() - timedelta(days=3))
    off = client.post("/dashboard/schedules/weekly/disable", headers=ORIGIN, follow_redirects=False)
    assert off.status_code == 303
    assert off.headers["location"] == "/dashboard/pipelines/runplane.noop#schedule"
    with sqlite_db.read() as conn:
        assert not schedule_store.get_schedule(conn, "weekly").enabled
    words = text(client.get(off.headers["location"]).text)
    assert "weekly ⏸ off" in words
    assert "none while off" in words
    assert "▶ Enable schedule weekly" in words

    on = client.post("/dashboard/schedules/weekly/enable", headers=ORIGIN, follow_redirects=False)
    assert on.status_code == 303
    with sqlite_db.read() as conn:
        schedule = schedule_store.get_schedule(conn, "weekly")
    assert schedule.enabled
    assert schedule.updated_by == "local"
    assert schedule.active_since > utcnow() - timedelta(minutes=1)


def test_a_form_from_another_site_is_refused(client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="weekly")
    response = client.post(
        "/dashboard/schedules/weekly/disable", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    with sqlite_db.read() as conn:
        assert schedule_store.get_schedule(conn, "weekly").enabled


def test_an_unknown_schedule_is_a_not_found_page(client: TestClient) -> None:
    response = client.post("/dashboard/schedules/nope/enable", headers=ORIGIN)
    assert response.status_code == 404
    assert "No schedule named 'nope'." in text(response.text)


def test_the_basic_tier_explains_that_scheduling_is_locked(
    basic_client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="weekly")
    response = basic_client.post("/dashboard/schedules/weekly/disable", headers=ORIGIN)
    assert response.status_code == 403
    assert "Scheduling is available in the Intermediate tier" in text(response.text)
    with sqlite_db.read() as conn:
        assert schedule_store.get_schedule(conn, "weekly").enabled
