"""Search across every log in Chromium: the Executions page's box leads to the results, and
a result's link opens the execution's Logs tab scrolled to that line, marked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from runplane.model.clock import utcnow
from tests.api.conftest import Server
from tests.factories import make_execution, make_log
from tests.web.browser.conftest import expect, open_page, screenshot

pytestmark = pytest.mark.browser

HIT = 2_500


def test_the_search_box_leads_to_results_whose_link_opens_the_line(
    shared_web: Server, page: Any
) -> None:
    token = f"tok{uuid.uuid4().hex[:10]}"
    with shared_web.db.write() as conn:
        execution = make_execution(conn, status="failed", created_at=utcnow())
        make_log(
            conn,
            execution,
            [
                (
                    "ERROR" if n == HIT else "INFO",
                    f"capture {token}.part-{n} <i>x</i>" if n == HIT else f"row {n}",
                )
                for n in range(1, 3_001)
            ],
        )
    open_page(page, f"{shared_web.url}/dashboard/executions")
    page.fill("[data-log-search-box]", f"{token}.part-{HIT} level:error")
    page.click('form.log-search-box button[type="submit"]')
    page.wait_for_selector("main[data-ready]", state="attached")
    hit = page.locator(f'[data-search-results] li[data-id="{execution.execution_id}"]')
    expect(hit).to_contain_text(f"capture {token}.part-{HIT} <i>x</i>")
    expect(hit.locator(".ln")).to_have_count(3)
    screenshot(page, "log-search-results")

    hit.locator("[data-log-line-link]").click()
    page.wait_for_selector("main[data-ready]", state="attached")
    assert f"tab=logs&line={HIT}" in page.url
    line = page.locator(f'[data-log-lines] .ln.hit[data-seq="{HIT}"]')
    expect(line).to_be_in_viewport()
    expect(page.locator("[data-log-status]")).to_contain_text(f"Line {HIT:,}")
