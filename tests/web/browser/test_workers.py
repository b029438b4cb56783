"""The Overview's Workers card in Chromium against a real serve: its own worker row with its
pid and slots, readable (no serious axe finding) on a wide and a narrow screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Server
from tests.web.browser.conftest import (
    NARROW,
    WIDE,
    expect,
    open_page,
    screenshot,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280x800", "390x844"])
def test_the_overview_lists_the_serving_worker(
    shared_web: Server, page: Any, viewport: dict[str, int]
) -> None:
    [worker] = shared_web.client.get("/v1/workers").json()["workers"]
    page.set_viewport_size(viewport)

    open_page(page, f"{shared_web.url}/dashboard")

    card = page.locator("section[data-workers]")
    expect(card.locator("h2")).to_have_text("Workers · 1 live")
    row = card.locator(f'tr[data-worker="{worker["worker_id"]}"]')
    expect(row.locator('td[data-label="Kind"]')).to_have_text("serve")
    expect(row.locator('td[data-label="PID"]')).to_have_text(str(shared_web.process.pid))
    expect(row.locator('td[data-label="Busy / slots"]')).to_contain_text(
        f"/ {shared_web.settings.max_workers}"
    )
    expect(row.locator('td[data-label="Heartbeat"]')).to_contain_text("ago")
    assert serious_violations(page) == []
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal scroll: {width}"
    screenshot(page, f"workers-{viewport['width']}")
