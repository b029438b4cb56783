"""Bulk retry in Chromium against a real server: tick rows, see the preview in the confirm
modal, start it, and watch the operation's page reach the end by itself."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Server
from tests.web.browser.conftest import expect, open_page, screenshot
from tests.web.browser.test_flows import failed_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_ticked_rows_preview_in_the_modal_and_the_operation_page_follows_it(
    web: Server, page: Any
) -> None:
    failed = [failed_run(web, f"bulk failure {n}") for n in (1, 2)]
    other = failed_run(web, "not ticked")
    open_page(page, f"{web.url}/dashboard/executions")
    for execution_id in failed:
        page.check(f'input[data-bulk-row][value="{execution_id}"]')
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected")
    page.click('button[data-bulk-action][value="retry"]')
    dialog = page.locator("dialog#modal[open]")
    expect(dialog).to_contain_text("Retry executions?")
    expect(dialog).to_contain_text("2 matching · 2 will be retried · 0 skipped")
    screenshot(page, "bulk-retry-modal")
    dialog.locator("button[data-submit]").click()
    page.wait_for_url(lambda url: "/dashboard/bulk/" in url)
    expect(page.locator("[data-bulk-state]")).to_have_text("Completed", timeout=20_000)
    expect(page.locator("[data-bulk-done]")).to_have_text("2")
    bulk_id = page.url.rsplit("/", 1)[1]
    body = web.client.get(f"/v1/bulk/{bulk_id}").json()
    assert {i["execution_id"] for i in body["items"]} == set(failed)
    for item in body["items"]:
        retry = web.wait_for_final(item["result_id"])
        assert retry["bulk_id"] == bulk_id
    listed = web.client.get("/v1/executions", params={"range": "24h"}).json()["items"]
    assert not [e for e in listed if e["retry_of"] == other]


def test_select_all_matching_sends_the_lists_filter(web: Server, page: Any) -> None:
    failed = [failed_run(web, f"all {n}") for n in (1, 2, 3)]
    open_page(page, f"{web.url}/dashboard/executions?status=failed")
    page.check("input[data-bulk-all]")
    expect(page.locator("[data-bulk-count]")).to_have_text("All matching selected")
    page.click('button[data-bulk-action][value="cancel"]')
    dialog = page.locator("dialog#modal[open]")
    expect(dialog).to_contain_text("Cancel executions?")
    expect(dialog).to_contain_text(f"{len(failed)} matching · 0 will be cancelled")
    expect(dialog.locator("button[data-submit]")).to_be_disabled()
