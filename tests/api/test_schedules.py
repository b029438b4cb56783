"""`/v1/schedules` and the schedules in `/v1/pipelines`: create, replace, remove, refusals
as problem+json (one entry per field), file-defined schedules, the basic tier, and a real
server firing a schedule."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runplane.model.schedule import CatchUp
from runplane.model.sla import SLA
from runplane.server import create_app
from runplane.store import Database
from runplane.store.tables import schedules
from tests.api.conftest import Server
from tests.api.test_executions import assert_problem
from tests.conftest import fast_settings
from tests.factories import make_schedule

WEEKLY = {
    "pipeline": "finra.otc_transparency.ingest_week",
    "cron": "0 6 * * 2",
    "timezone": "America/New_York",
    "params": {"week_ending": "{{ last_week_ending }}", "tier": "OTC"},
}


def schedule_count(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(schedules)).scalar_one()


def test_put_creates_then_replaces_and_delete_removes(
    client: TestClient, sqlite_db: Database
) -> None:
    created = client.put("/v1/schedules/finra-weekly", json=WEEKLY)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["params"] == WEEKLY["params"]
    assert (body["source"], body["editable"], body["catch_up"]) == ("api", True, "latest")
    assert body["description"] == "At 06:00 on Tuesday"
    assert body["recent_fires"] == []
    next_run = datetime.fromisoformat(body["next_run"])
    assert next_run.weekday() == 1
    assert next_run.hour in (10, 11)  # 06:00 in New York is 10:00 or 11:00 UTC
    assert body["next_run_local"].startswith(next_run.strftime("%Y-%m-%dT06:00:00-0"))

    replaced = client.put(
        "/v1/schedules/finra-weekly", json={**WEEKLY, "cron": "@daily", "catch_up": "all"}
    )
    assert replaced.status_code == 200
    assert (replaced.json()["cron"], replaced.json()["catch_up"]) == ("0 0 * * *", "all")
    listed = client.get("/v1/schedules").json()
    assert [s["name"] for s in listed] == ["finra-weekly"]
    assert client.get("/v1/schedules", params={"pipeline": "runplane.noop"}).json() == []

    assert client.delete("/v1/schedules/finra-weekly").status_code == 204
    assert_problem(client.get("/v1/schedules/finra-weekly"), 404, "No schedule named")
    assert_problem(client.delete("/v1/schedules/finra-weekly"), 404)
    assert schedule_count(sqlite_db) == 0


@pytest.mark.parametrize(
    ("name", "changes", "fields"),
    [
        ("x", {"cron": "61 * * * *"}, {"cron": "its minute field takes 0-59"}),
        ("x", {"timezone": "Europe/Londn"}, {"timezone": "did you mean Europe/London"}),
        ("x", {"pipeline": "no.such"}, {"pipeline": "Unknown pipeline 'no.such'"}),
        (
            "x",
            {"params": {"week_ending": "{{ last_weak_ending }}"}},
            {"params.week_ending": "Unknown template {{ last_weak_ending }}"},
        ),
        (
            "x",
            {"params": {**WEEKLY["params"], "tier": "GOLD"}},  # type: ignore[dict-item]
            {"params.tier": "Input should be"},
        ),
        ("a b", {}, {"name": "A schedule name is 1-100 letters"}),
        (
            "x",
            {"cron": "* * *", "timezone": "Nowhere", "params": {**WEEKLY["params"], "colour": 1}},  # type: ignore[dict-item]
            {"cron": "has 3 fields", "timezone": "Unknown time zone", "params.colour": "Unknown"},
        ),
    ],
)
def test_bad_schedules_are_422_with_one_entry_per_field_and_save_nothing(
    client: TestClient,
    sqlite_db: Database,
    name: str,
    changes: dict[str, Any],
    fields: dict[str, str],
) -> None:
    response = client.put(f"/v1/schedules/{name}", json={**WEEKLY, **changes})
    body = assert_problem(response, 422, "was not saved")
    assert body["type"] == "urn:runplane:problem:invalid-schedule"
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert set(messages) == set(fields)
    for field, phrase in fields.items():
        assert phrase in messages[field], messages[field]
    assert schedule_count(sqlite_db) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**WEEKLY, "catch_up": "sometimes"}, "catch_up"),
        ({**WEEKLY, "crom": "@daily"}, "crom"),
        ({"pipeline": "runplane.noop"}, "cron"),
        ({**WEEKLY, "params": {"x": "a\x00b"}}, "params"),
        ({**WEEKLY, "enabled": "maybe"}, "enabled"),
    ],
)
def test_malformed_bodies_are_422_naming_the_field(
    client: TestClient, sqlite_db: Database, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(client.put("/v1/schedules/x", json=body), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert schedule_count(sqlite_db) == 0


def test_a_file_defined_schedule_is_409_to_put_and_delete_but_can_be_switched(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="from-file", source="file:/srv/runplane/schedules.toml")
    body = assert_problem(
        client.put("/v1/schedules/from-file", json=WEEKLY),
        409,
        "is defined in /srv/runplane/schedules.toml and can only be changed there",
    )
    assert body["type"] == "urn:runplane:problem:schedule-refused"
    assert_problem(client.delete("/v1/schedules/from-file"), 409, "can only be removed there")
    assert client.get("/v1/schedules/from-file").json()["editable"] is False
    off = client.post("/v1/schedules/from-file/disable")
    assert (off.status_code, off.json()["enabled"], off.json()["next_run"]) == (200, False, None)
    on = client.post("/v1/schedules/from-file/enable").json()
    assert on["enabled"] is True
    assert on["next_run"] is not None
    assert_problem(client.post("/v1/schedules/nope/enable"), 404, "No schedule named 'nope'")


def test_pipelines_show_each_schedules_next_run_and_overdue_flag(
    client: TestClient, sqlite_db: Database
) -> None:
    """No scheduler runs here: an hourly schedule whose instant passed 2 minutes ago is
    overdue, and its next run is that minute of the next hour."""
    now = datetime.now(UTC)
    missed = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    with sqlite_db.write() as conn:
        make_schedule(
            conn,
            name="late",
            cron=f"{missed.minute} * * * *",
            created_at=now - timedelta(hours=2),
            checked_until=now - timedelta(hours=2),
        )
        make_schedule(conn, name="off", enabled=False)
        make_schedule(
            conn, name="sleepy", pipeline="runplane.sleep", cron="0 6 * * 2", created_at=now
        )
    by_name = {p["name"]: p for p in client.get("/v1/pipelines").json()}
    noop = {s["name"]: s for s in by_name["runplane.noop"]["schedules"]}
    assert set(noop) == {"late", "off"}
    assert (noop["off"]["next_run"], noop["off"]["overdue"]) == (None, False)
    assert noop["late"]["overdue"] is True
    assert datetime.fromisoformat(noop["late"]["next_run"]) == missed + timedelta(hours=1)
    assert by_name["runplane.fail"]["schedules"] == []
    detail = client.get("/v1/pipelines/runplane.sleep").json()
    assert [(s["name"], s["overdue"]) for s in detail["schedules"]] == [("sleepy", False)]
    assert client.get("/v1/schedules/late").json()["last_due"] == missed.isoformat().replace(
        "+00:00", "Z"
    )


def test_the_basic_tier_locks_schedules_with_the_explanation(
    tmp_path: Path, sqlite_db: Database, sqlite_url: str
) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="hidden")
    app = create_app(sqlite_db, fast_settings(tmp_path, sqlite_url, tier="basic"))
    with TestClient(app) as client:
        for method, path in [
            ("GET", "/v1/schedules"),
            ("GET", "/v1/schedules/hidden"),
            ("PUT", "/v1/schedules/x"),
            ("DELETE", "/v1/schedules/hidden"),
            ("POST", "/v1/schedules/hidden/disable"),
        ]:
            response = client.request(method, path, json=WEEKLY)
            assert_problem(response, 403, "Scheduling is available in the Intermediate tier.")
        pipelines = client.get("/v1/pipelines").json()
        assert all(p["schedules"] == [] for p in pipelines)
    assert schedule_count(sqlite_db) == 1


def test_a_real_server_fires_a_due_schedule_and_reports_it(server: Server) -> None:
    """A schedule that missed its instants while no server ran: the server fires the
    latest one at start, marked late, and the API shows the run on the schedule."""
    now = datetime.now(UTC)
    latest = (now - timedelta(minutes=3)).replace(second=0, microsecond=0)
    since = now - timedelta(hours=2)  # its instants since: latest - 1 h, latest
    with server.db.write() as conn:
        make_schedule(
            conn,
            name="catch-up",
            cron=f"{latest.minute} * * * *",
            catch_up=CatchUp.LATEST,
            created_at=since,
            checked_until=since,
        )
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while True:
        body = server.client.get("/v1/schedules/catch-up").json()
        fire = body["last_fire"]
        if fire is not None and fire["status"] == "completed":
            break
        assert datetime.now(UTC) < deadline, body
        time.sleep(0.05)
    [run] = server.client.get("/v1/executions", params={"trigger": "scheduled"}).json()["items"]
    [fired] = body["recent_fires"]
    assert fired["execution_id"] == run["execution_id"]
    assert (run["trigger"], run["triggered_by"]) == ("scheduled", "schedule:catch-up")
    assert (
        run["trigger_time"] == fired["scheduled_for"] == latest.isoformat().replace("+00:00", "Z")
    )
    assert (fired["late"], fired["skipped"]) == (True, 1)
    detail = server.client.get(f"/v1/executions/{run['execution_id']}").json()
    created = detail["events"][0]["detail"]
    assert (created["late"], created["catch_up"], created["missed_instants_skipped"]) == (
        True,
        "latest",
        1,
    )
    assert body["overdue"] is False


@pytest.fixture
def advanced(sqlite_db: Database, sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(sqlite_db, fast_settings(tmp_path, sqlite_url, tier="advanced"))
    with TestClient(app) as test_client:
        yield test_client


def test_a_schedule_keeps_its_sla_and_shows_it(advanced: TestClient, sqlite_db: Database) -> None:
    body = {**WEEKLY, "sla": {"complete_within": "1h"}}
    created = advanced.put("/v1/schedules/finra-weekly", json=body)
    assert created.status_code == 201
    assert created.json()["sla"] == {"max_duration": None, "complete_within": "1h"}
    assert advanced.get("/v1/schedules").json()[0]["sla"] == {
        "max_duration": None,
        "complete_within": "1h",
    }
    with sqlite_db.read() as conn:
        assert conn.execute(select(schedules.c.sla)).scalar_one() == {
            "max_duration": None,
            "complete_within": "1h",
        }


@pytest.mark.parametrize(
    ("sla", "status", "field", "phrase"),
    [
        ({"complete_within": "an hour"}, 400, "sla", "'an hour' is not a duration"),
        ({"max_duration": "0s"}, 400, "sla", "'0s' is zero"),
    ],
)
def test_an_invalid_sla_is_refused_and_nothing_saved(
    advanced: TestClient, sqlite_db: Database, sla: dict[str, str], status: int, field: str,
    phrase: str,
) -> None:  # fmt: skip
    response = advanced.put("/v1/schedules/finra-weekly", json={**WEEKLY, "sla": sla})
    body = assert_problem(response, status, "was not saved")
    assert phrase in {e["field"]: e["message"] for e in body["errors"]}[field]
    assert schedule_count(sqlite_db) == 0


def test_an_sla_on_an_unknown_pipeline_is_refused_and_nothing_saved(
    advanced: TestClient, sqlite_db: Database
) -> None:
    body = {**WEEKLY, "pipeline": "no.such", "sla": {"complete_within": "1h"}}
    response = advanced.put("/v1/schedules/x", json=body)
    problem = assert_problem(response, 400, "was not saved")
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert "Unknown pipeline 'no.such'" in messages["pipeline"]
    assert "An SLA needs a registered pipeline" in messages["sla"]
    assert schedule_count(sqlite_db) == 0


def test_a_schedules_sla_is_locked_in_the_intermediate_tier(
    client: TestClient, sqlite_db: Database
) -> None:
    response = client.put("/v1/schedules/x", json={**WEEKLY, "sla": {"complete_within": "1h"}})
    assert_problem(response, 403, "SLA breach indicators are available in the Advanced tier")
    assert schedule_count(sqlite_db) == 0
    with sqlite_db.write() as conn:
        make_schedule(conn, sla=SLA(complete_within="1h"))
    assert client.get("/v1/schedules").json()[0]["sla"] is None
