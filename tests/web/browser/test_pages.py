"""Every dashboard page in Chromium at 1280×800 and 390×844: no serious or critical axe
finding, no horizontal page scroll, every action reachable; a screenshot of each.

The tests find their pages by the ids they created, so they use the shared server."""

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


def run(web: Server, pipeline: str, **params: Any) -> str:
    response = web.client.post(f"/v1/pipelines/{pipeline}/run", json={"params": params})
    assert response.status_code == 201, response.text
    return str(response.json()["execution_id"])


def schedule(web: Server) -> None:
    """A schedule, so the overview and pipeline pages show their schedule tables."""
    response = web.client.put(
        "/v1/schedules/finra-weekly",
        json={
            "pipeline": "finra.otc_transparency.ingest_week", "cron": "0 6 * * 2",
            "timezone": "America/New_York",
            "params": {"week_ending": "{{ last_week_ending }}", "tier": "OTC"},
        },
    )  # fmt: skip
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280x800", "390x844"])
def test_every_page_is_accessible_and_fits_the_screen(
    shared_web: Server, page: Any, viewport: dict[str, int]
) -> None:
    failed = run(shared_web, "runplane.fail", error="dependency", message="prerequisite missing")
    missing = run(shared_web, "finra.otc_transparency.aggregate_week", week_ending="2025-12-22")
    noisy = run(shared_web, "tests.noisy")
    shared_web.wait_for_final(failed)
    shared_web.wait_for_final(noisy)
    assert shared_web.wait_for_final(missing)["status"] == "failed"
    running = run(shared_web, "runplane.sleep", seconds=30)
    shared_web.wait_for_status(running, lambda s: s == "running")
    schedule(shared_web)
    page.set_viewport_size(viewport)
    pages = {
        "overview": "/dashboard",
        "executions": "/dashboard/executions",
        "execution-failed": f"/dashboard/executions/{failed}",
        "execution-prerequisite": f"/dashboard/executions/{missing}",
        "execution-running": f"/dashboard/executions/{running}",
        "execution-parameters": f"/dashboard/executions/{failed}?tab=parameters",
        "execution-logs": f"/dashboard/executions/{noisy}?tab=logs",
        "execution-output": f"/dashboard/executions/{noisy}?tab=output",
        "compare": f"/dashboard/executions/compare?a={failed}&b={noisy}",
        "execution-logs-line": f"/dashboard/executions/{failed}?tab=logs&line=3",
        "log-search": "/dashboard/logs/search?q=level:error+prerequisite&range=30d",
        "log-search-error": "/dashboard/logs/search?q=%22unbalanced",
        "retry": f"/dashboard/executions/{failed}/retry",
        "cancel": f"/dashboard/executions/{running}/cancel",
        "pipelines": "/dashboard/pipelines",
        "pipeline": "/dashboard/pipelines/finra.otc_transparency.ingest_week",
        "assets": "/dashboard/assets",
        "tiers": "/dashboard/tiers",
        "notifications": "/dashboard/notifications",
        "not-found": "/dashboard/executions/no-such-id",
    }
    problems: dict[str, list[str]] = {}
    for name, path in pages.items():
        open_page(page, shared_web.url + path)
        found = serious_violations(page)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            found.append(f"horizontal scroll: {width[0]} > {width[1]}")
        hidden = page.evaluate(
            """() => [...document.querySelectorAll('main a.btn, main button')]
                 .filter(b => !b.closest('dialog, details:not([open]), [hidden], fieldset:disabled'))
                 .filter(b => { const r = b.getBoundingClientRect();
                                return r.width === 0 || r.right > window.innerWidth + 1 || r.left < 0; })
                 .map(b => b.textContent.trim())"""
        )
        if hidden:
            found.append(f"actions out of reach: {hidden}")
        if found:
            problems[name] = found
        screenshot(page, name)
    assert not problems, problems
    page.set_viewport_size(viewport)
    open_page(page, f"{shared_web.url}/dashboard/executions")
    page.click(f'tr[data-id="{failed}"] [data-action="retry"]')
    page.wait_for_selector("dialog#modal[open] form")
    assert serious_violations(page) == []
    screenshot(page, "retry-modal")
    page.keyboard.press("Escape")
    shared_web.client.post(f"/v1/executions/{running}/cancel")


def test_a_log_line_with_markup_is_shown_as_text(shared_web: Server, page: Any) -> None:
    noisy = run(shared_web, "tests.noisy")
    shared_web.wait_for_final(noisy)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_page(page, f"{shared_web.url}/dashboard/executions/{noisy}?tab=logs")
    line = page.locator(".ln", has_text="escape me")
    assert line.locator(".m").inner_text() == "escape me <script>alert(1)</script>"
    assert page.locator("[data-log-lines] script").count() == 0
    page.fill('input[name="search"]', "<script>")
    page.click('form[data-log-filter] button[type="submit"]')
    expect(page.locator("[data-log-lines] .ln")).to_have_count(1)
    assert "<script>alert(1)</script>" in page.locator("[data-log-lines]").inner_text()
    assert dialogs == []


def test_the_basic_tier_shows_the_lock_and_runs_at_once(basic_web: Server, page: Any) -> None:
    open_page(page, f"{basic_web.url}/dashboard/executions")
    card = page.locator("section.locked")
    assert "Execution history is available in the Intermediate tier." in card.inner_text()
    assert page.locator("nav.side a", has_text="Executions").locator(".lock").count() == 1
    screenshot(page, "basic-locked")
    page.click("text=Learn about tiers")
    page.wait_for_url("**/dashboard/tiers")
    assert "Basic (this one)" in page.locator("table.tiers").inner_text()
    open_page(page, f"{basic_web.url}/dashboard/pipelines/runplane.noop")
    page.click("button[data-submit]")
    page.wait_for_url("**result=*")
    assert "COMPLETED" in page.locator("#result").inner_text()
    screenshot(page, "basic-run-result")


def test_the_list_is_ready_and_live_before_its_first_frame(shared_web: Server, page: Any) -> None:
    """The scripts run before the first layout: the page is laid out and painted once, its
    auto-refresh control already shown, and is ready (wired) before that work begins."""
    running = run(shared_web, "runplane.sleep", seconds=30)
    shared_web.wait_for_status(running, lambda s: s == "running")
    page.add_init_script(
        "requestAnimationFrame(() => performance.mark('first-frame'));"
    )  # a frame's callbacks run just before its style, layout and paint
    for _ in range(2):  # a cold load, then a warm one from the browser cache
        open_page(page, f"{shared_web.url}/dashboard/executions")
        page.wait_for_function("performance.getEntriesByName('first-frame').length > 0")
        ready, frame = page.evaluate(
            "['runplane-ready', 'first-frame'].map((m) => performance.getEntriesByName(m)[0].startTime)"
        )
        assert ready <= frame, f"ready at {ready:.1f} ms, first frame at {frame:.1f} ms"
    expect(page.locator("[data-refresh]")).to_be_visible()
    shared_web.client.post(f"/v1/executions/{running}/cancel")
