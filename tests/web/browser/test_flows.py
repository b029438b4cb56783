"""What an operator does, in Chromium against a real server with real executions: filter,
watch the list refresh itself, retry (as is and with changed parameters), cancel a running
run, read, download and copy logs, switch tabs by URL, and triage with the keyboard."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import Server
from tests.web.browser.conftest import expect, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def run(web: Server, pipeline: str, **params: Any) -> str:
    response = web.client.post(f"/v1/pipelines/{pipeline}/run", json={"params": params})
    assert response.status_code == 201, response.text
    return str(response.json()["execution_id"])


def failed_run(web: Server, message: str = "diagnostic failure") -> str:
    execution_id = run(web, "runplane.fail", error="data", message=message)
    assert web.wait_for_final(execution_id)["status"] == "failed"
    return execution_id


def rows(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("tbody tr[data-id]", "rs => rs.map(r => r.dataset.id)"))


def test_filters_and_presets_change_the_rows_and_the_url(web: Server, page: Any) -> None:
    failed = failed_run(web)
    done = run(web, "runplane.noop")
    web.wait_for_final(done)
    running = run(web, "runplane.sleep", seconds=30)
    web.wait_for_status(running, lambda s: s == "running")
    open_page(page, f"{web.url}/dashboard/executions")
    assert set(rows(page)) == {failed, done, running}

    page.select_option('select[name="status"]', "failed")
    page.click('form[data-filters] button[type="submit"]')
    page.wait_for_url("**/dashboard/executions?*status=failed*")
    assert rows(page) == [failed]

    page.click("a.chip:has-text('Running now')")
    page.wait_for_url("**preset=running-now")
    assert rows(page) == [running]
    assert page.locator('select[name="status"]').input_value() == "running"
    assert page.locator('a.chip[aria-current="true"]').inner_text() == "Running now"

    assert page.locator('select[name="range"]').count() == 0  # the preset has no window
    page.select_option('select[name="pipeline"]', "runplane.noop")
    page.select_option('select[name="status"]', "")
    page.click('form[data-filters] button[type="submit"]')
    page.wait_for_url("**pipeline=runplane.noop**")
    assert parse_qs(urlsplit(page.url).query) == {"range": ["any"], "pipeline": ["runplane.noop"]}
    page.select_option('select[name="range"]', "7d")
    page.click('form[data-filters] button[type="submit"]')
    page.wait_for_url("**range=7d**")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"range": ["7d"], "pipeline": ["runplane.noop"]}
    assert rows(page) == [done]
    page.go_back()
    page.go_back()
    page.wait_for_url("**preset=running-now")
    assert rows(page) == [running]
    web.client.post(f"/v1/executions/{running}/cancel")


def test_the_search_box_and_a_parameter_chip_filter_the_list(web: Server, page: Any) -> None:
    quick = run(web, "runplane.sleep", seconds=0)
    slower = run(web, "runplane.sleep", seconds=0.1)
    other = run(web, "runplane.noop")
    for execution_id in (quick, slower, other):
        web.wait_for_final(execution_id)
    open_page(page, f"{web.url}/dashboard/executions")
    assert set(rows(page)) == {quick, slower, other}

    page.fill('form[data-filters] input[name="q"]', "sleep")
    page.click('form[data-filters] button[type="submit"]')
    page.wait_for_url("**q=sleep**")
    assert set(rows(page)) == {quick, slower}

    open_page(page, f"{web.url}/dashboard/executions?q=sleep&param.seconds=0")
    assert rows(page) == [quick]
    chip = page.locator("[data-param-chip]")
    expect(chip).to_have_text(re.compile(r"seconds = 0"))
    page.select_option('select[name="status"]', "completed")
    page.click('form[data-filters] button[type="submit"]')
    page.wait_for_url("**status=completed**")
    assert parse_qs(urlsplit(page.url).query)["param.seconds"] == ["0"]  # Apply keeps it
    assert rows(page) == [quick]
    page.click("[data-param-chip] a")
    page.wait_for_url(lambda url: "param.seconds" not in url)
    assert set(rows(page)) == {quick, slower}
    assert page.locator('form[data-filters] input[name="q"]').input_value() == "sleep"


def test_auto_refresh_shows_a_new_execution_without_reloading(
    shared_web: Server, page: Any
) -> None:
    """The page's clock is moved by hand: the new row arrives with the refresh that the
    chosen period of 5 s brings, without the test waiting those seconds."""
    first = run(shared_web, "runplane.noop")
    shared_web.wait_for_final(first)
    page.clock.install()
    open_page(page, f"{shared_web.url}/dashboard/executions")
    page.clock.pause_at(page.evaluate("Date.now()") + 1_000)
    page.select_option("[data-refresh-every]", "5")
    page.evaluate("window.__sameDocument = true")
    page.locator(f'tr[data-id="{first}"] a.open').focus()
    newer = run(shared_web, "runplane.noop")
    row = page.locator(f'tr[data-id="{newer}"]')
    page.clock.run_for(5_000)
    expect(row).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    assert rows(page)[:2] == [newer, first]
    assert page.evaluate("document.activeElement.closest('tr').dataset.id") == first
    expect(page.locator("[data-refresh-status]")).to_contain_text("Updated")
    page.reload()
    page.wait_for_selector("main[data-ready]", state="attached")
    assert page.locator("[data-refresh-every]").input_value() == "5"


def test_retry_as_is_opens_a_new_execution_linked_to_the_failed_one(
    shared_web: Server, page: Any
) -> None:
    failed = failed_run(shared_web)
    open_page(page, f"{shared_web.url}/dashboard/executions/{failed}")
    page.click('a[data-action="retry"]')
    dialog = page.locator("dialog#modal[open]")
    expect(dialog).to_contain_text("Retry Execution?")
    expect(dialog).to_contain_text("runplane.fail")
    screenshot(page, "flow-retry-modal")
    dialog.locator("button[data-submit]").click()
    page.wait_for_url(lambda url: failed not in url and "/dashboard/executions/" in url)
    new_id = page.url.rsplit("/", 1)[1].split("?")[0]
    body = shared_web.client.get(f"/v1/executions/{new_id}").json()
    assert body["retry_of"] == failed
    assert body["params"] == {"error": "data", "message": "diagnostic failure"}
    shared_web.wait_for_final(new_id)


def test_retry_with_changed_parameters_shows_the_diff_and_uses_them(
    shared_web: Server, page: Any
) -> None:
    failed = failed_run(shared_web, "first try")
    open_page(page, f"{shared_web.url}/dashboard/executions/{failed}")
    page.click('a[data-action="retry"]')
    dialog = page.locator("dialog#modal[open]")
    dialog.locator("[data-modify]").check()
    dialog.locator('select[name="p.error"]').select_option("transient")
    dialog.locator('input[name="p.message"]').fill("second try")
    diff = dialog.locator("[data-diff]")
    expect(diff).to_contain_text("error: data → transient")
    expect(diff).to_contain_text("message: first try → second try")
    screenshot(page, "flow-retry-modified")
    dialog.locator("button[data-submit]").click()
    page.wait_for_url(lambda url: failed not in url and "/dashboard/executions/" in url)
    new_id = page.url.rsplit("/", 1)[1].split("?")[0]
    body = shared_web.client.get(f"/v1/executions/{new_id}").json()
    assert body["retry_of"] == failed
    assert body["params"] == {"error": "transient", "message": "second try"}


def test_run_form_validates_inline_and_opens_the_new_execution(
    shared_web: Server, page: Any
) -> None:
    open_page(page, f"{shared_web.url}/dashboard/pipelines/runplane.sleep")
    seconds = page.locator('input[name="p.seconds"]')
    seconds.fill("-1")
    error = page.locator('[data-error-for="seconds"]')
    expect(error).not_to_be_empty()
    expect(seconds).to_have_attribute("aria-invalid", "true")
    page.click("button[data-submit]")
    assert "/dashboard/pipelines/runplane.sleep" in page.url
    seconds.fill("0.2")
    expect(error).to_be_empty()
    page.click("button[data-submit]")
    page.wait_for_url("**/dashboard/executions/*")
    new_id = page.url.rsplit("/", 1)[1]
    assert shared_web.client.get(f"/v1/executions/{new_id}").json()["params"]["seconds"] == 0.2


def test_cancel_from_the_list_stops_a_running_sleep(shared_web: Server, page: Any) -> None:
    running = run(shared_web, "runplane.sleep", seconds=60)
    shared_web.wait_for_status(running, lambda s: s == "running")
    open_page(page, f"{shared_web.url}/dashboard/executions")
    page.click(f'tr[data-id="{running}"] [data-action="cancel"]')
    dialog = page.locator("dialog#modal[open]")
    expect(dialog).to_contain_text("This may leave data in an inconsistent state.")
    expect(dialog).to_contain_text("Running for")
    expect(dialog.locator("text=Keep Running")).to_be_focused()
    screenshot(page, "flow-cancel-modal")
    submit = dialog.locator("button[data-submit]")
    submit.click()
    page.wait_for_url(re.compile(r".*/dashboard/executions(\?.*)?$"))
    assert shared_web.wait_for_final(running, timeout=20)["status"] == "cancelled"
    open_page(page, f"{shared_web.url}/dashboard/executions/{running}")
    expect(page.locator(".status-banner")).to_contain_text("CANCELLED")
    expect(page.locator("ol.trail")).to_contain_text("cancel requested")


def test_logs_download_copy_and_follow_a_running_execution(shared_web: Server, page: Any) -> None:
    noisy = run(shared_web, "tests.noisy")
    shared_web.wait_for_final(noisy)
    open_page(page, f"{shared_web.url}/dashboard/executions/{noisy}?tab=logs")
    expect(page.locator("[data-log-end]")).to_be_visible()
    with page.expect_download() as download:
        page.click("[data-log-download]")
    saved = download.value.path().read_text()
    expected = shared_web.client.get(f"/v1/executions/{noisy}/logs?format=text").text
    assert saved == expected
    assert "escape me <script>alert(1)</script>" in saved
    page.click("[data-log-copy]")
    expect(page.locator("[data-log-status]")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == expected

    live = run(shared_web, "runplane.sleep", seconds=4, lines_per_second=20)
    shared_web.wait_for_status(live, lambda s: s == "running")
    open_page(page, f"{shared_web.url}/dashboard/executions/{live}?tab=logs")
    expect(page.locator(".ln", has_text="tick 30")).to_be_visible(timeout=10_000)
    expect(page.locator("[data-log-end]")).to_be_visible(timeout=15_000)
    view = page.locator("[data-log-view]")
    at_end = view.evaluate("v => v.scrollTop + v.clientHeight >= v.scrollHeight - 30")
    assert at_end


def test_tabs_are_addressable_and_the_back_link_returns_to_the_list(
    shared_web: Server, page: Any
) -> None:
    failed = failed_run(shared_web)
    open_page(page, f"{shared_web.url}/dashboard/executions?status=failed&range=7d")
    page.click(f'tr[data-id="{failed}"] td.c-trig')
    page.wait_for_url(f"**/dashboard/executions/{failed}?back=*")
    for tab in ("Parameters", "Logs", "Output", "Summary"):
        page.click(f"nav.tabs a:has-text('{tab}')")
        page.wait_for_url(f"**tab={tab.lower()}**")
        expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text(tab)
    open_page(page, f"{shared_web.url}/dashboard/executions/{failed}?tab=parameters")
    expect(page.locator("section.tab")).to_contain_text("triggered_by")
    open_page(page, f"{shared_web.url}/dashboard/executions?status=failed&range=7d")
    page.click(f'tr[data-id="{failed}"] a.open')
    page.click("nav.tabs a:has-text('Logs')")
    page.click("a[data-back]")
    page.wait_for_url("**/dashboard/executions?status=failed&range=7d")


def escape_closes(page: Any, dialog: str) -> None:
    """Press Escape in an open dialog and wait until its close event was handled.

    A dialog's close event comes a task after the dialog closed, and the page's handler
    then puts the focus back where the dialog came from. A key pressed before that (a
    test types faster than a person) would lose its focus to that handler.
    """
    page.evaluate(
        """selector => {
            const dialog = document.querySelector(selector);
            window.__closed = new Promise((done) =>
                dialog.addEventListener("close", () => done(true), { once: true }));
        }""",
        dialog,
    )
    page.keyboard.press("Escape")
    assert page.evaluate("window.__closed") is True


def test_keyboard_triage_moves_opens_retries_and_cancels(web: Server, page: Any) -> None:
    failed = failed_run(web)
    running = run(web, "runplane.sleep", seconds=60)
    web.wait_for_status(running, lambda s: s == "running")
    open_page(page, f"{web.url}/dashboard/executions")
    assert rows(page) == [running, failed]
    focused = (
        "document.activeElement.closest('tr') && document.activeElement.closest('tr').dataset.id"
    )
    page.keyboard.press("j")
    assert page.evaluate(focused) == running
    page.keyboard.press("j")
    assert page.evaluate(focused) == failed
    page.keyboard.press("r")
    dialog = page.locator("dialog#modal[open]")
    expect(dialog).to_contain_text("Retry Execution?")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('dialog')")
    escape_closes(page, "dialog#modal")
    expect(page.locator("dialog#modal")).not_to_have_attribute("open", "")
    assert page.evaluate(focused) == failed
    page.keyboard.press("k")
    page.keyboard.press("c")
    expect(dialog).to_contain_text("Cancel Execution?")
    escape_closes(page, "dialog#modal")
    expect(page.locator("dialog[open]")).to_have_count(0)  # keys reach the page once it closed
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "range"
    page.locator("main h1").click()
    page.keyboard.press("?")
    expect(page.locator("dialog#keys")).to_be_visible()
    escape_closes(page, "dialog#keys")
    expect(page.locator("dialog[open]")).to_have_count(0)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dashboard/executions/{running}**")
    web.client.post(f"/v1/executions/{running}/cancel")


def test_a_schedule_is_switched_off_and_on_from_its_pipeline_page(
    shared_web: Server, page: Any
) -> None:
    response = shared_web.client.put(
        "/v1/schedules/heartbeat", json={"pipeline": "runplane.noop", "cron": "*/10 * * * *"}
    )
    assert response.status_code == 201, response.text
    open_page(page, f"{shared_web.url}/dashboard/pipelines/runplane.noop")
    row = page.locator('tr[data-schedule="heartbeat"]')
    assert "Every 10th minute" in row.inner_text()
    row.locator("button", has_text="Disable").click()
    page.wait_for_url("**/dashboard/pipelines/runplane.noop#schedule")
    expect(row.locator("button")).to_contain_text("Enable")
    assert "none while off" in row.inner_text()
    assert shared_web.client.get("/v1/schedules/heartbeat").json()["enabled"] is False
    screenshot(page, "schedule-disabled")
    row.locator("button", has_text="Enable").click()
    expect(row.locator("button")).to_contain_text("Disable")
    assert shared_web.client.get("/v1/schedules/heartbeat").json()["enabled"] is True
    assert shared_web.client.delete("/v1/schedules/heartbeat").status_code == 204  # fires no more
