"""A 100,000-line log in Chromium: it opens within a second, keeps at most ~1,000 lines in
the page while scrolling, and its search and "jump to first error" cover every line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from runplane.model import LogLine
from runplane.model.clock import utcnow
from runplane.store import logs as log_store
from tests.api.conftest import Server
from tests.factories import make_execution
from tests.web.browser.conftest import expect, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LINES = 100_000
FIRST_ERROR = 99_990
DOM_LIMIT = 1_000


@pytest.fixture
def long_log(shared_web: Server) -> str:
    now = utcnow()
    with shared_web.db.write() as conn:
        execution = make_execution(conn, status="failed", created_at=now)
    batch: list[LogLine] = []
    for seq in range(1, LINES + 1):
        level = "ERROR" if seq >= FIRST_ERROR else "INFO"
        batch.append(
            LogLine(
                execution.execution_id,
                seq,
                now + timedelta(milliseconds=seq),
                level,
                f"processed row {seq}",
            )
        )
        if len(batch) == 20_000:
            with shared_web.db.write() as conn:
                log_store.insert_log_lines(conn, batch)
            batch = []
    return execution.execution_id


def dom_lines(page: Any) -> int:
    return int(page.evaluate("document.querySelectorAll('[data-log-lines] .ln').length"))


def first_line(page: Any) -> int:
    return int(page.evaluate("document.querySelector('[data-log-lines] .ln').dataset.seq"))


def test_a_long_log_opens_fast_and_stays_windowed(
    shared_web: Server, page: Any, long_log: str
) -> None:
    url = f"{shared_web.url}/dashboard/executions/{long_log}?tab=logs"
    open_page(page, url)  # warm: the first load pays for connections and caches
    open_page(page, url)
    ready = page.evaluate(
        "performance.getEntriesByName('runplane-ready')[0].startTime"
        " - performance.getEntriesByType('navigation')[0].startTime"
    )
    assert ready <= 1000, f"the log tab took {ready:.0f} ms to be ready"
    assert dom_lines(page) <= DOM_LIMIT
    expect(page.locator("[data-log-status]")).to_contain_text("100,000 lines")

    view = page.locator("[data-log-view]")
    for _ in range(6):
        view.evaluate("v => { v.scrollTop = v.scrollHeight; }")
        page.wait_for_timeout(250)
    page.wait_for_timeout(1000)
    assert dom_lines(page) <= DOM_LIMIT
    first_seq = first_line(page)
    assert first_seq > 1, "lines above the window were dropped"
    for _ in range(20):
        view.evaluate("v => { v.scrollTop = 0; }")
        page.wait_for_timeout(200)
        if first_line(page) < first_seq:
            break
    assert first_line(page) < first_seq, "scrolling up brings earlier lines back"
    assert dom_lines(page) <= DOM_LIMIT

    page.click("[data-log-first-error]")
    expect(page.locator(f'.ln[data-seq="{FIRST_ERROR}"]')).to_be_visible()
    assert dom_lines(page) <= DOM_LIMIT
    page.fill('input[name="search"]', "row 99999")
    page.click('form[data-log-filter] button[type="submit"]')
    expect(page.locator("[data-log-lines] .ln")).to_have_count(1)
    expect(page.locator("[data-log-lines]")).to_contain_text("processed row 99999")
    screenshot(page, "log-100k-search")
