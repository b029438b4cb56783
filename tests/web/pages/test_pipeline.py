"""A pipeline page in-process: description, parameters, the run form from its schema, last
runs, schedules; running it (queued, refused with inline errors, or in the basic tier at
once)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from runplane.model.clock import utcnow
from runplane.model.schedule import ScheduleFire
from runplane.model.sla import SLA
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import schedules as schedule_store
from tests.factories import make_execution, make_schedule, make_sla_miss
from tests.web.conftest import ORIGIN, text

INGEST = "finra.otc_transparency.ingest_week"


def test_page_shows_description_parameters_form_and_last_runs(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_execution(
            conn, pipeline="runplane.sleep", params={"seconds": 2.0}, status="failed",
            created_at=utcnow(),
        )  # fmt: skip
    page = client.get("/dashboard/pipelines/runplane.sleep").text
    words = text(page)
    assert "Runs for a while, checking for cancellation" in words
    assert 'name="p.seconds" value="1.0"' in page
    assert 'min="0" max="86400"' in page
    assert "Dry run: validate and show what it would do, publish nothing" in words
    assert "Failed" in words
    assert 'href="/dashboard/executions?preset=this-pipeline&amp;pipeline=runplane.sleep"' in page


def test_running_queues_an_execution_and_opens_it(client: TestClient, sqlite_db: Database) -> None:
    response = client.post(
        "/dashboard/pipelines/runplane.sleep/run",
        data={"p.seconds": "2", "p.lines_per_second": "", "dry_run": ["false", "true"]},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303
    execution_id = response.headers["location"].rsplit("/", 1)[1]
    with sqlite_db.read() as conn:
        execution = store.get_execution(conn, execution_id)
    assert execution.params == {"seconds": 2.0, "lines_per_second": 0}
    assert execution.dry_run
    assert execution.trigger == "manual"


def test_invalid_parameters_come_back_next_to_their_fields(client: TestClient) -> None:
    response = client.post(
        "/dashboard/pipelines/finra.otc_transparency.ingest_week/run",
        data={"p.week_ending": "", "p.tier": "OTC", "p.timeout_seconds": "0"},
        headers=ORIGIN,
    )
    assert response.status_code == 422
    assert 'data-error-for="week_ending">Field required</p>' in response.text
    assert 'data-error-for="timeout_seconds">Input should be greater than 0</p>' in response.text


def test_a_prerequisite_run_confirm_is_prefilled_from_the_url(client: TestClient) -> None:
    modal = client.get(
        "/dashboard/pipelines/finra.otc_transparency.normalize_week/run"
        "?p.week_ending=2025-12-22&p.tier=OTC&fragment=modal"
    ).text
    words = text(modal)
    assert "Run finra.otc_transparency.normalize_week?" in words
    assert "week_ending 2025-12-22 tier OTC" in words
    assert "Cancel Run Now" in words


def test_the_basic_tier_runs_at_once_and_shows_the_result(
    basic_client: TestClient, sqlite_db: Database
) -> None:
    response = basic_client.post(
        "/dashboard/pipelines/runplane.fail/run",
        data={"p.error": "data", "p.message": "file is empty"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/dashboard/pipelines/runplane.fail?result=")
    execution_id = location.split("result=")[1].split("#")[0]
    with sqlite_db.read() as conn:
        assert store.get_execution(conn, execution_id).status == "failed"
    words = text(basic_client.get(location).text)
    assert "Result FAILED" in words
    assert "Data problem in diagnostic.psv, line 2" in words
    assert "📁 Data issue" in words


def test_the_schedule_section_shows_next_run_last_fire_and_overdue(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        make_schedule(
            conn, name="ny-weekly", pipeline=INGEST, cron="0 6 * * 2",
            timezone="America/New_York", created_at=now,
            params={"week_ending": "{{ last_week_ending }}", "tier": "OTC"},
        )  # fmt: skip
        make_schedule(
            conn, name="hourly", pipeline=INGEST, cron="0 * * * *",
            created_at=now - timedelta(days=2), params={"week_ending": "2025-12-22"},
        )  # fmt: skip
        ran = make_execution(conn, pipeline=INGEST, status="completed", trigger="scheduled")
        schedule_store.insert_fire(
            conn,
            ScheduleFire("ny-weekly", now - timedelta(hours=1), now, ran.execution_id, late=True),
        )
    page = client.get(f"/dashboard/pipelines/{INGEST}").text
    words = text(page)
    weekly = text(page.split('data-schedule="ny-weekly"')[1].split("</tr>")[0])
    assert "America/New_York" in weekly
    assert "0 6 * * 2" in weekly
    assert "week_ending={{ last_week_ending }} tier=OTC" in weekly
    assert "Tue 06:00 America/New_York" in weekly
    assert "Completed" in weekly
    assert "late" in weekly
    assert "overdue" not in weekly
    assert f'href="/dashboard/executions/{ran.execution_id}"' in page
    hourly = text(page.split('data-schedule="hourly"')[1].split("</tr>")[0])
    assert "overdue:" in hourly
    assert "not fired yet" in hourly
    assert "⏸ Disable schedule hourly" in words
    assert 'action="/dashboard/schedules/hourly/disable"' in page


def test_a_pipeline_without_schedules_says_how_to_add_one(client: TestClient) -> None:
    words = text(client.get("/dashboard/pipelines/runplane.noop").text)
    assert "No schedule runs this pipeline." in words
    assert "runplane schedules add NAME --pipeline runplane.noop" in words


def test_the_basic_tier_locks_the_schedule_section(
    basic_client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="weekly")
    page = basic_client.get("/dashboard/pipelines/runplane.noop").text
    assert "Scheduling is available in the Intermediate tier" in text(page)
    assert "/dashboard/schedules/weekly" not in page


def test_a_form_past_the_dashboards_limit_is_refused_not_run_with_defaults(
    client: TestClient, sqlite_db: Database
) -> None:
    form = {"p.seconds": "0.2", "p.lines_per_second": "0", "padding": "x" * 70_000}
    response = client.post("/dashboard/pipelines/runplane.sleep/run", data=form, headers=ORIGIN)
    assert response.status_code == 413
    assert "The form is larger than the 64 KB the dashboard reads" in text(response.text)
    with sqlite_db.read() as conn:
        assert store.list_executions(conn) == []


def test_the_basic_tiers_result_of_a_run_without_params_has_no_stray_separator(
    basic_client: TestClient,
) -> None:
    response = basic_client.post(
        "/dashboard/pipelines/runplane.noop/run", data={}, headers=ORIGIN, follow_redirects=False
    )
    words = text(basic_client.get(response.headers["location"]).text)
    assert "runplane.noop · " in words
    assert "· ·" not in words


def test_last_runs_name_their_parameters(client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        make_execution(
            conn, pipeline="runplane.sleep", params={"seconds": 30.0, "lines_per_second": 2}
        )
    words = text(client.get("/dashboard/pipelines/runplane.sleep").text)
    assert "seconds=30.0 · lines_per_second=2" in words


def test_the_pipeline_page_shows_its_sla_its_schedules_and_their_missed_instants(
    advanced_client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        make_schedule(conn, name="ingest", pipeline="tests.sla", sla=SLA(complete_within="30m"))
        make_sla_miss(
            conn, schedule="ingest", pipeline="tests.sla", scheduled_for=now - timedelta(hours=2)
        )
    page = text(advanced_client.get("/dashboard/pipelines/tests.sla").text)
    assert "SLA: maximum duration 10m, completed within 1h." in page
    assert "SLA: completed within 30m" in page  # the schedule's own
    assert "SLA misses, 7 days" in page
    assert "nothing ran (no server fired it)" in page


def test_the_pipeline_page_locks_its_sla_below_the_advanced_tier(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        make_schedule(conn, name="ingest", pipeline="tests.sla", sla=SLA(complete_within="30m"))
    page = text(client.get("/dashboard/pipelines/tests.sla").text)
    assert "SLA breach indicators are available in the Advanced tier." in page
    assert "SLA: " not in page
    assert "SLA misses" not in page
