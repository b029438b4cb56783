"""`/v1/executions/{id}/resources`: the downsampled series with units, elapsed seconds and
peaks; `resolution` bounds; unknown ids; the tier lock below advanced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runplane.api.schemas.resources import ResourceUsageOut
from runplane.server import create_app
from runplane.store import Database
from tests.api.test_executions import assert_problem
from tests.conftest import FakeClock, fast_settings
from tests.factories import make_execution, make_samples

START = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def advanced(sqlite_db: Database, tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    settings = fast_settings(tmp_path, sqlite_url, tier="advanced")
    clock = FakeClock(START + timedelta(hours=1))
    with TestClient(create_app(sqlite_db, settings, clock=clock)) as test_client:
        yield test_client


def _sampled(db: Database, count: int) -> str:
    with db.write() as conn:
        e = make_execution(conn, started_at=START, completed_at=START + timedelta(seconds=count))
        cpu = [99.0 if i == count // 2 else float(i % 10) for i in range(count)]
        make_samples(conn, e, cpu, [1_000_000 * (1 + i % 5) for i in range(count)])
    return e.execution_id


def test_the_series_come_with_units_elapsed_seconds_and_peaks(
    advanced: TestClient, sqlite_db: Database
) -> None:
    execution_id = _sampled(sqlite_db, 4)
    response = advanced.get(f"/v1/executions/{execution_id}/resources")
    assert response.status_code == 200, response.text
    body = response.json()
    ResourceUsageOut.model_validate(body, strict=False)
    assert body["execution_id"] == execution_id
    assert (body["status"], body["finished"], body["elapsed_seconds"]) == ("completed", True, 4.0)
    assert (body["samples"], body["resolution"], body["downsampled"]) == (4, 500, False)
    cpu, memory = body["series"]["cpu"], body["series"]["memory"]
    assert cpu["unit"] == "percent"
    assert cpu["points"] == [[0.0, 0.0], [1.0, 1.0], [2.0, 99.0], [3.0, 3.0]]
    assert cpu["peak"] == {"elapsed_seconds": 2.0, "value": 99.0}
    assert memory["unit"] == "bytes"
    assert memory["peak"] == {"elapsed_seconds": 3.0, "value": 4_000_000}


def test_resolution_bounds_the_points_and_the_peak_survives(
    advanced: TestClient, sqlite_db: Database
) -> None:
    execution_id = _sampled(sqlite_db, 3000)
    body = advanced.get(f"/v1/executions/{execution_id}/resources?resolution=10").json()
    assert body["downsampled"] is True
    assert (body["samples"], body["resolution"]) == (3000, 10)
    assert 5 <= len(body["series"]["cpu"]["points"]) <= 10
    assert body["series"]["cpu"]["peak"] == {"elapsed_seconds": 1500.0, "value": 99.0}
    default = advanced.get(f"/v1/executions/{execution_id}/resources").json()
    assert 250 <= len(default["series"]["memory"]["points"]) <= 500


@pytest.mark.parametrize("value", ["9", "2001", "many"])
def test_a_resolution_out_of_bounds_is_a_400_naming_them(
    advanced: TestClient, sqlite_db: Database, value: str
) -> None:
    execution_id = _sampled(sqlite_db, 2)
    response = advanced.get(f"/v1/executions/{execution_id}/resources?resolution={value}")
    body = assert_problem(response, 400, "between 10 and 2000")
    assert body["errors"][0]["field"] == "resolution"


def test_an_unknown_query_parameter_is_a_400(advanced: TestClient, sqlite_db: Database) -> None:
    execution_id = _sampled(sqlite_db, 2)
    response = advanced.get(f"/v1/executions/{execution_id}/resources?resolutoin=50")
    assert_problem(response, 400, "resolutoin", "resolution")


def test_an_unknown_execution_is_a_404(advanced: TestClient) -> None:
    response = advanced.get("/v1/executions/00000000-0000-4000-8000-000000000000/resources")
    assert_problem(response, 404, "No execution with id")


def test_an_execution_without_samples_has_empty_series(
    advanced: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        e = make_execution(conn, status="pending", started_at=None)
    body = advanced.get(f"/v1/executions/{e.execution_id}/resources").json()
    assert (body["samples"], body["started_at"], body["finished"]) == (0, None, False)
    assert body["series"]["cpu"] == {"unit": "percent", "points": [], "peak": None}


def test_below_the_advanced_tier_it_is_locked(client: TestClient, sqlite_db: Database) -> None:
    execution_id = _sampled(sqlite_db, 2)
    response = client.get(f"/v1/executions/{execution_id}/resources")
    body = assert_problem(
        response, 403, "Resource utilisation graphs are available in the Advanced tier."
    )
    assert body["type"].endswith("tier-locked")
