"""SLA breach indicators in Chromium: the list's badges, the preset and the detail's Summary
in the advanced tier, and the locked explanation in the intermediate tier."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from runplane.model.clock import utcnow
from runplane.store import Database
from tests.api.conftest import Server
from tests.factories import make_execution, sla_standing
from tests.web.browser.conftest import expect, open_page, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def flagged(db: Database) -> dict[str, str]:
    """Ended runs with a settled standing, older than the watch looks back (it leaves them)."""
    old = utcnow() - timedelta(days=8)
    with db.write() as conn:
        return {
            state: make_execution(
                conn, pipeline="tests.sla", sla=sla_standing(state, settled=True),
                created_at=old + timedelta(minutes=i),
            ).execution_id
            for i, state in enumerate(("at_risk", "breached", "met"))
        }  # fmt: skip


def test_sla_badges_render_in_the_advanced_tier(advanced_web: Server, page: Any) -> None:
    rows = flagged(advanced_web.db)
    base = advanced_web.url + "/dashboard/executions"
    open_page(page, base + "?range=30d")
    breached = page.locator(f'tr[data-id="{rows["breached"]}"] [data-sla="breached"]')
    expect(breached).to_have_text("⏱ SLA breached +2m 0s")
    expect(page.locator(f'tr[data-id="{rows["at_risk"]}"] [data-sla="at_risk"]')).to_be_visible()
    expect(page.locator(f'tr[data-id="{rows["met"]}"] [data-sla]')).to_have_count(0)
    assert serious_violations(page) == []
    screenshot(page, "sla-list")

    page.get_by_role("link", name="SLA breaches").click()
    page.wait_for_selector("main[data-ready]", state="attached")
    expect(page.locator("tbody tr[data-id]")).to_have_count(0)  # the preset's 24 h
    open_page(page, base + "?preset=sla-breaches&range=30d")
    expect(page.locator("tbody tr[data-id]")).to_have_count(2)

    open_page(page, f"{base}/{rows['breached']}")
    summary = page.locator("[data-part=summary] .sla-summary")
    expect(summary).to_contain_text("Breached its SLA (maximum duration 10m) by 2m 0s")
    screenshot(page, "sla-summary")


def test_sla_badges_are_locked_in_the_intermediate_tier(web: Server, page: Any) -> None:
    rows = flagged(web.db)
    base = web.url + "/dashboard/executions"
    open_page(page, base + "?range=30d")
    expect(page.locator(f'tr[data-id="{rows["breached"]}"]')).to_be_visible()
    expect(page.locator("[data-sla]")).to_have_count(0)
    chip = page.locator('.chip[data-locked="sla"]')
    expect(chip).to_have_attribute(
        "title", "SLA breach indicators are available in the Advanced tier."
    )
    open_page(page, base + "?preset=sla-breaches")
    expect(page.locator("main")).to_contain_text(
        "SLA breach indicators are available in the Advanced tier."
    )
    open_page(page, f"{base}/{rows['breached']}")
    expect(page.locator('[data-locked="sla"]')).to_contain_text("Advanced tier")
