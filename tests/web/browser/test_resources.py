"""The Resources tab in Chromium: the advanced tier's CPU and memory graphs render without
a single CSP violation and grow while the execution runs; the intermediate tier shows the
locked wording instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from runplane.model.clock import utcnow
from runplane.store import executions as store
from tests.api.conftest import Server
from tests.factories import make_execution, make_samples
from tests.web.browser.conftest import (
    NARROW,
    expect,
    open_page,
    screenshot,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture
def watched(page: Any) -> tuple[Any, list[str]]:
    """The page, and every CSP violation or console error it reports."""
    problems: list[str] = []
    page.add_init_script(WATCH_CSP)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return page, problems


def csp_violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__csp"))


def test_the_graphs_render_without_csp_violations(
    advanced_web: Server, watched: tuple[Any, list[str]]
) -> None:
    page, problems = watched
    start = utcnow() - timedelta(hours=1)
    with advanced_web.db.write() as conn:
        e = make_execution(
            conn, created_at=start, started_at=start, completed_at=start + timedelta(seconds=600)
        )
        cpu = [20.0 + (i % 30) for i in range(600)]
        cpu[400] = 88.5
        make_samples(conn, e, cpu, [300_000_000 + i * 1_000_000 for i in range(600)])
    open_page(page, f"{advanced_web.url}/dashboard/executions/{e.execution_id}?tab=resources")
    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(2)
    expect(page.locator("svg.chart-cpu .peak text")).to_have_text("peak 88.5 % at 6m 40s")
    expect(page.locator("svg.chart-memory .peak text")).to_have_text("peak 899 MB at 9m 59s")
    expect(page.locator("svg.chart-cpu")).to_contain_text("Elapsed time (min)")
    box = charts.first.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 80
    screenshot(page, "execution-resources")
    assert serious_violations(page) == []
    page.set_viewport_size(NARROW)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], "the page scrolls sideways"
    screenshot(page, "execution-resources")
    assert csp_violations(page) == []
    assert problems == []


def test_a_running_executions_graph_grows_with_the_auto_refresh(
    advanced_web: Server, watched: tuple[Any, list[str]]
) -> None:
    page, problems = watched
    response = advanced_web.client.post(
        "/v1/pipelines/runplane.sleep/run", json={"params": {"seconds": 30}}
    )
    assert response.status_code == 201, response.text
    execution_id = response.json()["execution_id"]
    body = advanced_web.wait_for_status(execution_id, lambda s: s == "running")
    open_page(page, f"{advanced_web.url}/dashboard/executions/{execution_id}?tab=resources")
    with advanced_web.db.write() as conn:
        running = store.get_execution(conn, execution_id)
        make_samples(conn, running, [250.0], start=utcnow())  # no sleeper reaches 250 %
    expect(page.locator("svg.chart-cpu .peak text")).to_contain_text("peak 250 %", timeout=10_000)
    assert body["status"] == "running"
    advanced_web.client.post(f"/v1/executions/{execution_id}/cancel")
    advanced_web.wait_for_final(execution_id)
    assert csp_violations(page) == []
    assert problems == []


def test_the_intermediate_tier_shows_the_locked_wording(
    shared_web: Server, watched: tuple[Any, list[str]]
) -> None:
    page, problems = watched
    with shared_web.db.write() as conn:
        e = make_execution(conn, created_at=utcnow())
    open_page(page, f"{shared_web.url}/dashboard/executions/{e.execution_id}?tab=resources")
    expect(page.locator(".tab.card")).to_contain_text(
        "Resource utilisation graphs are available in the Advanced tier."
    )
    expect(page.locator("svg.chart")).to_have_count(0)
    assert csp_violations(page) == []
    assert problems == []
