"""The data assets page and the overview's data freshness, on weeks the real FINRA pipelines
ingested, normalised and aggregated from generated files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runplane.domains.finra_otc import tables
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.synthetic import write_weeks
from runplane.engine.serving.runtime import ServingRuntime
from runplane.server import create_app
from runplane.store import Database
from runplane.web.templating import static_url
from tests.conftest import fast_settings, sqlite_copy
from tests.domains.finra_otc.support import run, run_chain
from tests.web.conftest import BASE, text

WEEKS = (date(2025, 12, 15), date(2025, 12, 22))


@pytest.fixture(scope="module")
def weeks(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[TestClient, Database]]:
    """OTC weeks 2025-12-15 and -22 through the whole chain; NMS_TIER_1 only 2025-12-15;
    a dashboard client on that database, which the tests using it only read."""
    folder = tmp_path_factory.mktemp("assets")
    settings = fast_settings(folder, sqlite_copy(sqlite_template, folder))
    db = Database(settings.resolved_database_url)
    write_weeks(settings.data_dir, tier=MarketTier.OTC, weeks=list(WEEKS), rows=300)
    write_weeks(settings.data_dir, tier=MarketTier.NMS_TIER_1, weeks=[WEEKS[0]], rows=200)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    try:
        for week in WEEKS:
            run_chain(db, week.isoformat())
        ingest = run(
            db, "finra.otc_transparency.ingest_week",
            week_ending=WEEKS[0].isoformat(), tier="NMS_TIER_1",
        )  # fmt: skip
        assert ingest.status == "completed", ingest.error
    finally:
        runtime.stop()
    with TestClient(create_app(db, settings), base_url=BASE) as client:
        yield client, db
    db.dispose()


def ranked(db: Database, week: date) -> list[tuple[str, int]]:
    """The week's symbols by volume, straight from the aggregate table."""
    sw = tables.symbol_weeks
    with db.read() as conn:
        rows = conn.execute(
            select(sw.c.symbol, sw.c.shares)
            .where(sw.c.week_ending == week, sw.c.tier == "OTC")
            .order_by(sw.c.rank)
        ).all()
    return [(r[0], r[1]) for r in rows]


@pytest.mark.slow
def test_assets_list_each_tier_week_and_rank_a_chosen_week(
    weeks: tuple[TestClient, Database],
) -> None:
    client, db = weeks
    page = client.get("/dashboard/assets").text
    words = text(page)
    assert "OTC 2025-12-22 300" in words
    assert "NMS_TIER_1 2025-12-15 200" in words
    chosen = client.get("/dashboard/assets?week=2025-12-22&tier=OTC").text
    expected = ranked(db, WEEKS[1])
    shown = re.findall(r'<span class="rank">#(\d+)</span> <strong>([^<]+)</strong>', chosen)
    assert [s for _, s in shown] == [s for s, _ in expected[:50]]
    assert f"{expected[0][1]:,} shares" in text(chosen)
    assert '<caption class="sr">Venues of' in chosen
    assert "Captures of this week" in text(chosen)
    assert 'aria-current="true"' in chosen


@pytest.mark.slow
def test_overview_flags_a_tier_whose_latest_week_is_older(
    weeks: tuple[TestClient, Database],
) -> None:
    client, _ = weeks
    words = text(client.get("/dashboard").text)
    assert "NMS_TIER_1 : week 2025-12-15" in words
    assert "stale: another tier has a newer week" in words
    assert "OTC : week 2025-12-22, 300 rows ✓ newest" in words


def test_a_week_without_an_aggregate_says_so(client: TestClient) -> None:
    page = client.get("/dashboard/assets?week=2025-12-22&tier=OTC")
    assert page.status_code == 200
    assert "This week has no published aggregate yet" in text(page.text)
    link = "/dashboard/pipelines/finra.otc_transparency.ingest_week?p.week_ending=2025-12-22"
    assert link in page.text  # never ingested: the first step that can succeed
    assert "Run the ingest for it" in text(page.text)
    assert "Run the aggregate" not in text(page.text)
    bad = client.get("/dashboard/assets?week=christmas")
    assert bad.status_code == 400
    assert "Week 'christmas' is not a date; use the form 2025-12-22." in text(bad.text)


def test_every_page_links_the_domains_stylesheet_which_is_served_cached(
    client: TestClient,
) -> None:
    url = static_url("finra_otc/assets.css")
    assert f'<link rel="stylesheet" href="{url}">' in client.get("/dashboard").text
    response = client.get(url)
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert ".symbols" in response.text
    assert ".symbols" not in client.get(static_url("app.css")).text
