"""The baseline line and the compare page in Chromium against a real server: the advanced
tier says how a run compares with its usual and opens the comparison from there; the
intermediate tier shows the baseline locked and still offers the comparison."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from runplane.model.clock import utcnow
from tests.api.conftest import Server, start_server
from tests.conftest import fast_settings
from tests.factories import make_execution
from tests.web.browser.conftest import expect, open_page, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def advanced_web(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    settings = fast_settings(tmp_path, sqlite_url, tier="advanced", max_workers=2)
    yield from start_server(settings, tmp_path / "serve.log")


def timed_runs(web: Server, region: str, durations: list[float]) -> list[str]:
    """Completed runs of tests.readings an hour apart (yesterday), taking `durations` seconds."""
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    with web.db.write() as conn:
        return [
            make_execution(
                conn, pipeline="tests.readings", params={"region": region, "day": "2025-12-01"},
                created_at=start + timedelta(hours=h), started_at=start + timedelta(hours=h),
                completed_at=start + timedelta(hours=h, seconds=s), rows_processed=100,
            ).execution_id
            for h, s in enumerate(durations)
        ]  # fmt: skip


def test_the_baseline_line_leads_to_the_comparison(advanced_web: Server, page: Any) -> None:
    *usual, slow = timed_runs(advanced_web, "emea", [70.0, 70.0, 80.0, 130.0])
    open_page(page, f"{advanced_web.url}/dashboard/executions/{slow}")
    line = page.locator("[data-baseline]")
    expect(line).to_contain_text("+86 % slower than usual (2m 10s vs 1m 10s median)")
    expect(page.locator("[data-outside-p90]")).to_contain_text("duration")
    assert serious_violations(page) == []
    screenshot(page, "execution-baseline")
    line.get_by_role("link", name="compare with the last success").click()
    page.wait_for_url("**/dashboard/executions/compare?*")
    page.wait_for_selector("main[data-ready]", state="attached")
    table = page.locator("[data-compare-table]")
    expect(table.locator('tr[data-measure="duration"]')).to_contain_text("2m 10s")
    expect(table.locator('tr[data-measure="duration"]')).to_contain_text("1m 20s")
    expect(table.locator('tr[data-measure="peak_rss"]')).to_contain_text("—")
    expect(page.locator("[data-logs-result]")).to_have_attribute("data-logs-result", "identical")
    assert usual[-1][:8] in table.inner_text()
    assert serious_violations(page) == []
    screenshot(page, "compare")


def test_intermediate_shows_the_baseline_locked(shared_web: Server, page: Any) -> None:
    *_, slow = timed_runs(shared_web, "apac", [70.0, 70.0, 80.0, 130.0])
    open_page(page, f"{shared_web.url}/dashboard/executions/{slow}")
    locked = page.locator("section.locked")
    expect(locked).to_contain_text("Comparison with baseline is available in the Advanced tier.")
    expect(page.locator("[data-baseline]")).to_have_count(0)
    page.get_by_role("link", name="Compare with the last success").click()
    page.wait_for_url("**/dashboard/executions/compare?*")
    page.wait_for_selector("main[data-ready]", state="attached")
    expect(page.locator('tr[data-measure="peak_rss"] [data-locked]')).to_contain_text(
        "available in the Advanced tier"
    )
    assert serious_violations(page) == []
