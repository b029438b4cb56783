"""Signing in with a real Chromium against a real server with users: the login page, a
wrong password, the session, a viewer's disabled actions with their reason, signing out.
Screenshots: login.png, viewer-execution.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runplane.store import Database
from tests.api.conftest import Server, start_server
from tests.conftest import fast_settings
from tests.factories import PASSWORD, make_execution, make_user
from tests.web.browser.conftest import SHOTS, expect

pytestmark = pytest.mark.browser


@pytest.fixture
def secured(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    db = Database(sqlite_url)
    with db.write() as conn:
        make_user(conn, "alice", "admin")
        make_user(conn, "vic", "viewer")
        failed = make_execution(conn, status="failed", pipeline="runplane.fail")
    db.dispose()
    settings = fast_settings(tmp_path, sqlite_url)
    for server in start_server(settings, tmp_path / "serve.log"):
        yield server, failed.execution_id


def test_a_viewer_signs_in_sees_actions_disabled_with_why_and_signs_out(
    page: Any, secured: tuple[Server, str]
) -> None:
    server, failed = secured
    page.goto(f"{server.url}/dashboard/executions/{failed}")
    expect(page).to_have_url(f"{server.url}/dashboard/login?next=/dashboard/executions/{failed}")
    page.fill("#login-name", "vic")
    page.fill("#login-password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".notice.bad")).to_contain_text("Wrong user name or password")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "login.png"))
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server.url}/dashboard/executions/{failed}")
    expect(page.locator("#retry-why")).to_contain_text("needs the operator role")
    expect(page.locator(".actions button", has_text="Retry")).to_be_disabled()
    expect(page.locator(".who")).to_contain_text("vic · viewer")
    page.screenshot(path=str(SHOTS / "viewer-execution.png"), full_page=True)
    page.click(".who button")
    expect(page).to_have_url(f"{server.url}/dashboard/login")
    page.goto(f"{server.url}/dashboard")
    expect(page).to_have_url(f"{server.url}/dashboard/login?next=/dashboard")


def test_an_admin_retries_from_the_modal_with_its_csrf_token(
    page: Any, secured: tuple[Server, str]
) -> None:
    server, failed = secured
    page.goto(f"{server.url}/dashboard/login")
    page.fill("#login-name", "alice")
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server.url}/dashboard/executions/{failed}")
    page.click("a[data-action=retry]")
    page.locator("#modal button[data-submit]").click()
    expect(page).not_to_have_url(f"{server.url}/dashboard/executions/{failed}")
    expect(page.locator("h1")).to_contain_text("Execution")
    detail = server.client.get(page.url.replace("/dashboard", "/v1")).status_code
    assert detail == 401  # the API takes no cookie
