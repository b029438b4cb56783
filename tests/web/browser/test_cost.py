"""Cost attribution in Chromium: the Cost column and the summary above the list render in
the advanced tier, and say they are locked in the intermediate tier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Server, start_server
from tests.conftest import fast_settings
from tests.web.browser.conftest import expect, open_page, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def advanced_web(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    settings = fast_settings(tmp_path, sqlite_url, tier="advanced", cost_currency="EUR")
    yield from start_server(settings, tmp_path / "serve.log")


def run(web: Server, pipeline: str, **params: Any) -> str:
    response = web.client.post(f"/v1/pipelines/{pipeline}/run", json={"params": params})
    assert response.status_code == 201, response.text
    execution_id = str(response.json()["execution_id"])
    web.wait_for_final(execution_id)
    return execution_id


def test_the_advanced_tier_shows_costs_and_their_summary(advanced_web: Server, page: Any) -> None:
    burned = run(advanced_web, "tests.burn", seconds=0.05)
    run(advanced_web, "runplane.noop")
    open_page(page, f"{advanced_web.url}/dashboard/executions")
    summary = page.locator("[data-cost-summary]")
    expect(summary).to_be_visible()
    expect(summary.locator("h2")).to_contain_text("Cost in the last 24 h:")
    expect(summary.locator("h2")).to_contain_text("for 2 executions")
    expect(summary.get_by_role("table", name="By pipeline")).to_contain_text("tests.burn")
    expect(summary.get_by_role("table", name="By trigger")).to_contain_text("API")
    expect(page.locator("table.runs").get_by_role("columnheader", name="Cost")).to_be_visible()
    expect(page.locator(f'tr[data-id="{burned}"] .c-cost')).to_contain_text("EUR")
    assert serious_violations(page) == []
    screenshot(page, "executions-cost")
    page.locator(f'tr[data-id="{burned}"] .open').click()
    expect(page.locator("[data-cost]")).to_contain_text("CPU-s ×")
    expect(page.locator("[data-cost]")).to_contain_text("recorded at finish")


def test_the_intermediate_tier_says_cost_attribution_is_locked(
    shared_web: Server, page: Any
) -> None:
    open_page(page, f"{shared_web.url}/dashboard/executions")
    locked = page.locator("section.locked", has_text="Cost attribution")
    expect(locked).to_be_visible()
    expect(locked).to_contain_text("Cost attribution is available in the Advanced tier.")
    expect(page.locator("table.runs").get_by_role("columnheader", name="Cost")).to_be_visible()
    expect(page.locator("[data-cost-summary]")).to_have_count(0)
