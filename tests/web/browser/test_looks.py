"""What a newcomer sees in Chromium at 1280×800 and 390×844: status icons coloured as the
spec says (SVG the stylesheet colours, with enough contrast), ISO-8601 UTC range inputs,
and narrow screens where tabs, the error, tables, dates and names fit; the retry modal
keeps its buttons in view. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.synthetic import write_weeks
from tests.api.conftest import Server
from tests.web.browser.conftest import NARROW, WIDE, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEC_TONES = {
    "pending": "gray",
    "running": "blue",
    "completed": "green",
    "failed": "red",
    "cancelled": "gray",
    "dry_run": "blue",
}
CONTRAST = """(el) => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = el, back = "rgba(0, 0, 0, 0)";
  while (bg && (back = getComputedStyle(bg).backgroundColor) === "rgba(0, 0, 0, 0)") bg = bg.parentElement;
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(bg ? back : "rgb(255,255,255)"));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
ONE_LINE = """([selector, pattern]) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const text = el.textContent, re = new RegExp(pattern, "g");
    const nodes = []; let n; while ((n = walker.nextNode())) nodes.push(n);
    for (const node of nodes) {
      for (const m of node.textContent.matchAll(re)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""

SIDEWAYS = "() => document.documentElement.scrollWidth"
CUT = """(tables) => tables.filter((t) => {
  const box = t.closest("[data-scroll]") || t;
  const scrolls = ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
  const cells = [...t.querySelectorAll("tbody tr > :last-child")];
  const right = Math.max(0, ...cells.map((c) => c.getBoundingClientRect().right));
  return !scrolls && right > box.getBoundingClientRect().right + 1;
}).map((t) => t.className || t.tagName)"""
"""Tables whose last column lies beyond their box where nothing scrolls to it."""


def run(web: Server, pipeline: str, **params: Any) -> str:
    response = web.client.post(f"/v1/pipelines/{pipeline}/run", json={"params": params})
    assert response.status_code == 201, response.text
    return str(response.json()["execution_id"])


@pytest.fixture(scope="module")
def history(package_web: Server) -> Iterator[dict[str, str]]:
    """An execution of every status, a failed ingest, and two synthetic weeks of data; the running one is
    cancelled afterwards so the shared server ends idle."""
    web = package_web
    write_weeks(web.settings.data_dir, tier=MarketTier.OTC,
                weeks=[date(2025, 12, 8), date(2025, 12, 15)], rows=300)  # fmt: skip
    ids = {
        "completed": run(web, "runplane.noop"),
        "failed": run(web, "runplane.fail", error="data", message="bad row"),
        "backfill": run(
            web,
            "finra.otc_transparency.backfill_range",
            start="2025-12-08",
            end="2025-12-15",
            tiers="OTC",
        ),
        "ingest": run(
            web, "finra.otc_transparency.ingest_week", week_ending="2025-12-01", tier="OTC"
        ),
    }
    dry = web.client.post("/v1/pipelines/runplane.noop/run", json={"dry_run": True})
    ids["dry_run"] = str(dry.json()["execution_id"])
    for execution_id in ids.values():
        web.wait_for_final(execution_id, timeout=60)
    ids["cancelled"] = run(web, "runplane.sleep", seconds=30)
    web.wait_for_status(ids["cancelled"], lambda s: s == "running")
    web.client.post(f"/v1/executions/{ids['cancelled']}/cancel")
    web.wait_for_final(ids["cancelled"])
    ids["running"] = run(web, "runplane.sleep", seconds=60)
    web.wait_for_status(ids["running"], lambda s: s == "running")
    yield ids
    web.client.post(f"/v1/executions/{ids['running']}/cancel")
    web.wait_for_final(ids["running"])


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280x800", "390x844"])
def test_status_icons_take_the_spec_colours_with_enough_contrast(
    package_web: Server, history: dict[str, str], page: Any, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    open_page(page, f"{package_web.url}/dashboard/executions")
    tones = page.evaluate(
        """() => Object.fromEntries(['gray', 'blue', 'green', 'red'].map((t) => {
             const probe = document.createElement('span'); probe.className = 't-' + t;
             const lbl = document.createElement('span'); lbl.className = 'lbl'; probe.append(lbl);
             document.body.append(probe); const c = getComputedStyle(lbl).color; probe.remove();
             return [t, c]; }))"""
    )
    for status, tone in SPEC_TONES.items():
        if status == "pending":
            continue
        row = page.locator(f'tr[data-id="{history[status]}"]')
        icon = row.locator(f"svg.ic.i-{status}")
        assert icon.count() == 1, status
        assert icon.evaluate("el => getComputedStyle(el).color") == tones[tone], status
        assert icon.evaluate(CONTRAST) >= 3.0, status  # non-text contrast (WCAG 1.4.11)
        label = row.locator(".c-status .lbl")
        assert label.inner_text().lower().replace(" ", "_") == status
        assert label.evaluate(CONTRAST) >= 4.5, status  # text contrast (WCAG 1.4.3)
    spinning = page.locator(f'tr[data-id="{history["running"]}"] svg.ic')
    assert spinning.evaluate("el => getComputedStyle(el).animationName") == "turn"
    screenshot(page, "status-icons")
    page.emulate_media(reduced_motion="reduce")
    assert spinning.evaluate("el => getComputedStyle(el).animationName") == "none"


def test_custom_range_inputs_are_iso_utc_and_presets_show_only_their_controls(
    package_web: Server, history: dict[str, str], page: Any
) -> None:
    open_page(page, f"{package_web.url}/dashboard/executions")
    assert page.locator("[data-custom]").is_hidden()
    page.select_option('select[name="range"]', "custom")
    assert page.locator("[data-custom]").is_visible()
    page.fill('input[name="since"]', "2025-12-01T00:00:00Z")
    page.click('form[data-filters] button[type="submit"]')
    page.wait_for_url("**since=2025-12-01T00*")
    assert page.locator('input[name="since"]').input_value() == "2025-12-01T00:00:00Z"
    assert page.locator('input[name="since"]').get_attribute("type") == "text"
    screenshot(page, "custom-range")
    open_page(page, f"{package_web.url}/dashboard/executions?preset=running-now")
    assert page.locator('select[name="range"]').count() == 0
    assert page.locator('input[name="since"]').count() == 0
    assert "any time" not in page.locator("main").inner_text()
    screenshot(page, "running-now")


def test_a_narrow_screen_fits_tabs_error_tables_dates_and_names(
    package_web: Server, history: dict[str, str], page: Any
) -> None:
    page.set_viewport_size(NARROW)
    open_page(page, f"{package_web.url}/dashboard/executions/{history['ingest']}")
    screenshot(page, "narrow-failed-ingest")
    assert page.evaluate(SIDEWAYS) <= NARROW["width"], "the detail scrolls sideways"
    tops = page.eval_on_selector_all(".tabs a", "as => as.map(a => a.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, f"the tabs wrap: {tops}"
    title = page.locator(".error-title").bounding_box()
    assert title is not None
    assert title["y"] + title["height"] <= NARROW["height"], "the error is below the fold"
    for path in ("/dashboard/assets?week=2025-12-15&tier=OTC", "/dashboard/executions"):
        open_page(page, package_web.url + path)
        screenshot(page, "narrow-" + path.split("?")[0].rsplit("/", 1)[1])
        assert page.evaluate(SIDEWAYS) <= NARROW["width"], f"{path}: the page scrolls sideways"
        assert page.eval_on_selector_all("main table", CUT) == [], f"{path}: columns are cut"
        assert page.evaluate(ONE_LINE, ["main", r"\d{4}-\d{2}-\d{2}"]) == [], path
        assert page.evaluate(ONE_LINE, [".c-pipe a, .facts a", r"[a-z0-9_]+"]) == [], path
        assert page.evaluate(ONE_LINE, ["main table td", r"[A-Za-z0-9_]{3,}"]) == [], path


def test_the_retry_modal_keeps_its_buttons_in_view_while_parameters_are_changed(
    package_web: Server, history: dict[str, str], page: Any
) -> None:
    open_page(page, f"{package_web.url}/dashboard/executions/{history['ingest']}")
    page.click('[data-action="retry"]')
    page.wait_for_selector("dialog#modal[open] form")
    page.check("[data-modify]")
    screenshot(page, "retry-modal-modify")
    week = page.locator('dialog#modal input[name="p.week_ending"]')
    assert week.get_attribute("type") == "text"  # ISO-8601, not the locale's mm/dd/yyyy
    assert week.input_value() == "2025-12-01"
    button = page.locator("dialog#modal [data-submit]")
    box = button.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= WIDE["height"], "Retry Now is below the fold"
