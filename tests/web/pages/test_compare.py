"""The compare page in-process: both runs side by side, the parameters that differ, the
first diverging log line, and a clear page for a missing or unknown id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store
from tests.factories import make_execution
from tests.web.conftest import text

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_the_page_sets_two_runs_side_by_side(client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        a = make_execution(conn, pipeline="tests.readings", params={"region": "emea", "day": "2025-12-01"},
                           completed_at=T0 + timedelta(seconds=70), rows_processed=1200,
                           output={"rows_processed": 1200, "figures": {"symbols": 30}})  # fmt: skip
        b = make_execution(conn, pipeline="tests.readings", params={"region": "apac", "day": "2025-12-01"},
                           status="failed", completed_at=T0 + timedelta(seconds=12))  # fmt: skip
        for e, third in ((a, "wrote 1200 rows"), (b, "upstream answered 503")):
            log_store.insert_log_lines(conn, [
                LogLine(e.execution_id, 1, T0, "INFO", f"claimed {e.execution_id}"),
                LogLine(e.execution_id, 2, T0, "INFO", "fetching"),
                LogLine(e.execution_id, 3, T0, "INFO", third),
            ])  # fmt: skip
    page = client.get(f"/dashboard/executions/compare?a={a.execution_id}&b={b.execution_id[:8]}")
    assert page.status_code == 200
    words = text(page.text)
    assert "Compare executions" in words
    assert "Status Completed Failed" in words
    assert "Duration 1m 10s 12s" in words
    assert "Rows 1,200 —" in words
    assert "Peak memory 🔒 Resource utilisation graphs are available in the Advanced tier." in words
    assert "region emea apac changed" in words
    assert "Same in both: day=2025-12-01" in words
    assert "symbols 30 —" in words
    assert "Logs diverge at line 3 of A and line 3 of B." in words
    assert "INFO upstream answered 503" in words
    assert f"/dashboard/executions/compare?a={b.execution_id}&amp;b={a.execution_id}" in page.text


@pytest.mark.parametrize(
    ("query", "status", "phrase"),
    [
        ("a=no-such-id&b=other-id", 404, "No execution with id 'no-such-id'"),
        ("a=abc", 400, "Give both executions to compare (?a=ID&b=ID): b is missing"),
        ("", 400, "a is missing"),
    ],
)
def test_a_missing_or_unknown_id_is_a_clear_page(
    client: TestClient, query: str, status: int, phrase: str
) -> None:
    page = client.get(f"/dashboard/executions/compare?{query}")
    assert page.status_code == status
    assert phrase in text(page.text)


def test_the_compare_page_is_locked_in_the_basic_tier(basic_client: TestClient) -> None:
    page = basic_client.get("/dashboard/executions/compare?a=x&b=y")
    assert "Execution history is available in the Intermediate tier." in text(page.text)


def test_peak_memory_and_cost_read_in_their_units_in_the_advanced_tier(
    advanced_client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        a, b = (
            make_execution(
                conn, peak_rss_bytes=peak, cost_amount=cost, cost_currency="EUR",
                cpu_seconds=1.0, gb_seconds=1.0, cost_rates_version="v1234567",
            )
            for peak, cost in ((51_440_000, 0.0123), (1_500_000_000, 0.5))
        )  # fmt: skip
    url = f"/dashboard/executions/compare?a={a.execution_id}&b={b.execution_id}"
    page = advanced_client.get(url)
    assert page.status_code == 200
    words = text(page.text)
    assert "Peak memory 51.4 MB 1.5 GB" in words
    assert "Cost 0.0123 EUR 0.5 EUR" in words
