"""`/docs` in Chromium with no internet: every request to anything but this machine is
blocked, and Swagger UI still lists the API's operations, under a policy without inline
scripts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import Server
from tests.web.browser.conftest import expect, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_docs_list_the_operations_without_internet(package_web: Server, page: Any) -> None:
    blocked: list[str] = []
    violations: list[str] = []

    def only_loopback(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    response = page.goto(f"{package_web.url}/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(
        page.locator(".opblock-summary-path", has_text="/v1/executions/{execution_id}").first
    ).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() >= 10
    screenshot(page, "docs-offline")
    assert blocked == []
    assert violations == []
