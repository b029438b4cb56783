"""Browser fixtures: Debian's Chromium driven by Playwright against a real `runplane serve`
on 127.0.0.1; axe-core checks; screenshots under test-output/screenshots/.

Under CI=true a missing Chromium or Playwright fails these tests instead of skipping them.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runplane.settings import Settings
from tests.api.conftest import Server, start_server, wait_until_idle
from tests.conftest import ROOT, fast_settings, require, sqlite_copy

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SHOTS = ROOT / "test-output" / "screenshots"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing package (fails under CI)
    expect = None  # type: ignore[assignment]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    require(CHROMIUM.exists() or shutil.which("chromium") is not None, f"{CHROMIUM} is missing")
    require(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium"),
            args=ARGS,
        )
        yield chromium
        chromium.close()


def web_settings(folder: Path, database_url: str) -> Settings:
    return fast_settings(folder, database_url, cancel_grace=5.0, max_workers=4)


@pytest.fixture
def web(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    """`runplane serve` (intermediate tier) on a fresh SQLite file, for a test that reads
    the whole list or needs a pristine database."""
    yield from start_server(web_settings(tmp_path, sqlite_url), tmp_path / "serve.log")


@pytest.fixture(scope="package")
def package_web(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Server]:
    """One `runplane serve` (intermediate tier, SQLite) that the browser tests share."""
    folder = tmp_path_factory.mktemp("web")
    settings = web_settings(folder, sqlite_copy(sqlite_template, folder))
    yield from start_server(settings, folder / "serve.log")


@pytest.fixture
def shared_web(package_web: Server) -> Iterator[Server]:
    """The shared server, for a test that finds its rows and pages by the ids it created;
    every run it started must have ended afterwards."""
    yield package_web
    wait_until_idle(package_web)


@pytest.fixture
def advanced_web(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    """`runplane serve` in the advanced tier (resource graphs, its SLA watch running) on a
    fresh SQLite file."""
    settings: Settings = fast_settings(tmp_path, sqlite_url, tier="advanced", max_workers=2)
    yield from start_server(settings, tmp_path / "serve.log")


@pytest.fixture
def basic_web(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    settings: Settings = fast_settings(tmp_path, sqlite_url, tier="basic")
    yield from start_server(settings, tmp_path / "serve.log")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page at 1280×800 that may read the clipboard and download files; a script
    error on any page fails the test."""
    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"script errors: {errors}"


def open_page(page: Any, url: str) -> None:
    """Navigate and wait until app.js marked the page ready."""
    page.goto(url)
    page.wait_for_selector("main[data-ready]", state="attached", timeout=10_000)


def screenshot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    path = SHOTS / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
