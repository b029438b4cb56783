"""The application is built from the data domains: a second domain, the tests' sample feed,
plugs in the way FINRA does — named in the settings, loaded by the code that loads entry
points — and its table, pipeline, API route, page, navigation entry, Overview card, output
link and schedule template all work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from runplane.engine.scheduling.scheduler import fire_due
from runplane.engine.scheduling.schedules import ScheduleSpec, save_schedule
from runplane.engine.serving.runtime import ServingRuntime
from runplane.pipelines import registry
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store.schema import ensure_ready, upgrade
from tests.conftest import fast_settings
from tests.domains.finra_otc.support import run
from tests.support.sample_feed import REFERENCE
from tests.web.conftest import BASE, text

DAY = date(2025, 12, 22)


@pytest.fixture
def feed_settings(tmp_path: Path, sqlite_url: str) -> Settings:
    """Settings naming the sample feed as RUNPLANE_PIPELINE_MODULES would."""
    return fast_settings(
        tmp_path, sqlite_url, pipeline_modules=["tests.support.pipelines", REFERENCE]
    )


@pytest.fixture
def feed_db(feed_settings: Settings) -> Iterator[Database]:
    """The database with the sample feed's branch added, and one day loaded."""
    db = Database(feed_settings.resolved_database_url)
    upgrade(db, registry.load(feed_settings.pipeline_modules))
    runtime = ServingRuntime(db, feed_settings)
    runtime.start()
    try:
        loaded = run(db, "tests.sample_feed.load_day", day=DAY.isoformat(), readings=4)
    finally:
        runtime.stop()
    assert loaded.status == "completed", loaded.error
    yield db
    db.dispose()


@pytest.fixture
def client(feed_db: Database, feed_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(feed_db, feed_settings), base_url=BASE) as test_client:
        yield test_client


def test_the_domain_comes_with_its_table_and_the_ready_check_asks_for_it(
    feed_db: Database, feed_settings: Settings, tmp_path: Path
) -> None:
    assert "sample_feed_readings" in inspect(feed_db.engine).get_table_names()
    domains = registry.load(feed_settings.pipeline_modules)
    assert [d.name for d in domains] == ["finra_otc", "sample_feed"]
    assert ensure_ready(feed_db, domains) is None
    assert ensure_ready(Database(f"sqlite:///{tmp_path / 'new.db'}"), domains) is not None


def test_its_api_route_answers_and_is_published_after_the_cores(client: TestClient) -> None:
    body = client.get("/v1/sample-feed/days").json()
    assert [(d["day"], d["readings"]) for d in body["days"]] == [(DAY.isoformat(), 4)]
    paths = list(client.get("/openapi.json").json()["paths"])
    assert paths[-1] == "/v1/sample-feed/days"
    assert paths.index("/v1/assets/weeks") < paths.index("/v1/sample-feed/days")


def test_its_page_fills_in_its_template_inside_the_shell(client: TestClient) -> None:
    page = client.get(f"/dashboard/sample-feed?day={DAY}").text
    assert f'<li aria-current="true" data-day="{DAY}">{DAY}: 4 readings</li>' in page
    assert '<a href="/dashboard/sample-feed" aria-current="page">Sample feed</a>' in page
    assert "Assets" in text(page.split('<nav class="side"')[1].split("</nav>")[0])


def test_the_overview_shows_its_card_after_the_others(client: TestClient) -> None:
    words = text(client.get("/dashboard").text)
    assert "Sample feed 1 day published · Load runs ." in words
    assert (
        words.index("Latest data per tier")
        < words.index("Sample feed 1 day")
        < words.index("Schedules")
    )


def test_its_output_links_to_its_page(client: TestClient, feed_db: Database) -> None:
    with feed_db.read() as conn:
        (loaded,) = execution_store.list_executions(
            conn,
            execution_store.ExecutionFilter(pipelines=frozenset({"tests.sample_feed.load_day"})),
        )
    page = client.get(f"/dashboard/executions/{loaded.execution_id}?tab=output").text
    assert f'<a class="btn" href="/dashboard/sample-feed?day={DAY}">View the day' in page
    assert "View in Data Assets" not in page


def test_its_schedule_template_fills_in(feed_db: Database, feed_settings: Settings) -> None:
    registry.load(feed_settings.pipeline_modules)
    spec = ScheduleSpec(
        name="monthly", pipeline="tests.sample_feed.load_day", cron="0 6 * * *",
        params={"day": "{{ first_of_month }}"},
    )  # fmt: skip
    created = datetime(2025, 12, 23, 5, tzinfo=UTC)
    save_schedule(feed_db, spec, source="cli", by="test", clock=lambda: created)
    (fire,) = fire_due(feed_db, "monthly", feed_settings, clock=lambda: created.replace(hour=7))
    with feed_db.read() as conn:
        fired = execution_store.get_execution(conn, str(fire.execution_id))
    assert fired.params == {"day": "2025-12-01", "readings": 3}
