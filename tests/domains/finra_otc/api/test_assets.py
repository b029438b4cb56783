"""`/v1/assets`: weeks, a week's symbols with venues, a symbol's history, capture history.

The chain runs for real on the FINRA file; expected figures are read from the file here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runplane.engine.serving.runtime import ServingRuntime
from runplane.server import create_app
from runplane.store import Database
from tests.conftest import fast_settings, sqlite_copy
from tests.domains.finra_otc.conftest import place_real_weeks
from tests.domains.finra_otc.support import read_figures, run_chain

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
WEEK = "2025-12-22"


@pytest.fixture(scope="module")
def loaded(
    finra_dir: Path, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[TestClient, Path]]:
    """One real week ingested, normalized and aggregated; a client for the API on that
    database, which the module's tests only read."""
    folder = tmp_path_factory.mktemp("assets")
    settings = fast_settings(folder, sqlite_copy(sqlite_template, folder))
    placed = place_real_weeks(finra_dir, settings.data_dir)
    db = Database(settings.resolved_database_url)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    try:
        run_chain(db, WEEK)
    finally:
        runtime.stop()
    with TestClient(create_app(db, settings)) as client:
        yield client, placed[WEEK]
    db.dispose()


def test_weeks_list_the_published_week_with_its_rows_and_stages(
    loaded: tuple[TestClient, Path],
) -> None:
    client, path = loaded
    body = client.get("/v1/assets/weeks").json()
    (week,) = body["weeks"]
    figures = read_figures(path)
    assert (week["tier"], week["week_ending"]) == ("OTC", WEEK)
    assert week["rows"] == figures.rows
    assert set(week["stages"]) == {"ingest", "normalize", "aggregate"}
    assert week["stages"]["aggregate"]["symbols"] == len(figures.symbols)
    assert client.get("/v1/assets/weeks", params={"tier": "NMS_TIER_1"}).json() == {"weeks": []}


def test_week_symbols_are_ranked_by_volume_with_venue_shares(
    loaded: tuple[TestClient, Path],
) -> None:
    client, path = loaded
    figures = read_figures(path)
    body = client.get(f"/v1/assets/weeks/OTC/{WEEK}", params={"limit": 5}).json()
    assert [s["symbol"] for s in body["symbols"]] == figures.ranked()[:5]
    top = body["symbols"][0]
    assert top["shares"] == figures.shares[top["symbol"]]
    assert top["hhi"] == pytest.approx(figures.hhi(top["symbol"]))
    assert sum(v["shares"] for v in top["venues"]) == top["shares"]
    assert sum(v["share"] for v in top["venues"]) == pytest.approx(1.0)
    assert body["total"] == len(figures.symbols)


def test_symbol_history_and_capture_history(loaded: tuple[TestClient, Path]) -> None:
    client, path = loaded
    symbol = read_figures(path).ranked()[0]
    history = client.get(f"/v1/assets/symbols/OTC/{symbol.lower()}").json()
    assert history["symbol"] == symbol
    assert [w["week_ending"] for w in history["weeks"]] == [WEEK]
    assert history["weeks"][0]["rank"] == 1
    captures = client.get(f"/v1/assets/weeks/OTC/{WEEK}/captures").json()
    assert sorted(c["stage"] for c in captures) == ["aggregate", "ingest", "normalize"]
    assert all(c["current"] and c["published_at"] for c in captures)


def test_bad_asset_requests_are_problems_that_say_what_to_fix(
    loaded: tuple[TestClient, Path],
) -> None:
    client, _ = loaded
    missing = client.get("/v1/assets/weeks/OTC/2025-12-29")
    assert missing.status_code == 404
    assert "run finra.otc_transparency.aggregate_week" in missing.json()["detail"]
    bad_week = client.get("/v1/assets/weeks/OTC/last-week")
    assert bad_week.status_code == 400
    assert "give the week as YYYY-MM-DD" in bad_week.json()["detail"]
    bad_tier = client.get("/v1/assets/weeks", params={"tier": "PINK"})
    assert bad_tier.status_code == 400
    assert bad_tier.headers["content-type"] == "application/problem+json"
