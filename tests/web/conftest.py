"""Dashboard fixtures: the whole application in-process (TestClient) on a SQLite file, with
form posts carrying this server's Origin and the page's CSRF token as a browser's would;
and page-text helpers."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from tests.conftest import FakeClock, fast_settings

BASE = "http://testserver"
ORIGIN = {"Origin": BASE}


class FormClient(TestClient):
    """Posts dashboard forms with the CSRF token its pages carry (`csrf=None`: without)."""

    def csrf(self) -> str:
        """This browser's CSRF token: its session's once signed in, else its CSRF cookie."""
        page = self.get("/dashboard/login").text
        found = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert found, "the page carries no CSRF token"
        return found[1]

    def post(self, url: Any, *, data: Any = None, csrf: str | bool | None = True, **kw: Any) -> Any:  # type: ignore[override]
        if str(url).startswith("/dashboard") and csrf is not None and csrf is not False:
            token = self.csrf() if csrf is True else csrf
            data = {**(data or {}), "csrf": token}
        return super().post(url, data=data, **kw)


@pytest.fixture
def client(sqlite_db: Database, sqlite_settings: Settings) -> Iterator[TestClient]:
    """The app without a serving runtime: submitted executions stay pending."""
    with FormClient(create_app(sqlite_db, sqlite_settings), base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def clocked_client(
    sqlite_db: Database, sqlite_settings: Settings, clock: FakeClock
) -> Iterator[TestClient]:
    """The app without a serving runtime, reading now from `clock` (ages and counters are
    exact, however long the test takes)."""
    app = create_app(sqlite_db, sqlite_settings, clock=clock)
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def advanced_client(
    sqlite_db: Database, tmp_path: Path, sqlite_url: str, clock: FakeClock
) -> Iterator[TestClient]:
    """The app in the advanced tier, reading now from `clock`."""
    settings = fast_settings(tmp_path, sqlite_url, tier="advanced")
    app = create_app(sqlite_db, settings, clock=clock)
    with FormClient(app, base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def basic_client(sqlite_db: Database, tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    settings = fast_settings(tmp_path, sqlite_url, tier="basic")
    with FormClient(create_app(sqlite_db, settings), base_url=BASE) as test_client:
        yield test_client


def text(page: str) -> str:
    """The visible words of an HTML page, tags removed and whitespace collapsed."""
    body = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S)
    body = body.replace("<wbr>", "")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def row_ids(page: str) -> list[str]:
    """Execution ids of the list rows, in page order."""
    return re.findall(r'<tr data-id="([^"]+)"', page)
