"""Token and session look-ups are cached for at most RUNPLANE_AUTH_CACHE_SECONDS (ages read
from an injected clock), and a revoked token is refused within that time by every server
sharing the database (two real `serve` processes)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import anyio
import httpx
import pytest

from runplane.access.credentials import Credentials
from runplane.engine.access.tokens import revoke_token
from runplane.model.audit import Origin
from runplane.store import Database
from tests.api.conftest import start_server
from tests.conftest import fast_settings
from tests.factories import make_token, make_user

T = TypeVar("T")


def run_async(function: Callable[..., Awaitable[T]], *args: object) -> T:
    """Run a coroutine function to its end on a thread of its own, whatever loop this thread
    has running (Playwright's sync API leaves one in the main thread of a test process)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, function, *args).result()


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_revoked_token_is_served_from_the_cache_until_it_is_too_old(sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        make_user(conn, "alice", "operator")
        secret = make_token(conn, "alice", "ci")
    ticks = Ticks()
    credentials = Credentials(sqlite_db, 5.0, monotonic=ticks)
    grant = run_async(credentials.token, secret)
    assert grant is not None
    assert (grant.user, grant.token) == ("alice", "ci")
    revoke_token(sqlite_db, "ci", by=Origin("os:test"))
    ticks.now += 4.9
    assert run_async(credentials.token, secret) is not None
    ticks.now += 0.2
    assert run_async(credentials.token, secret) is None
    assert run_async(credentials.token, "rp_" + "x" * 43) is None


def test_users_existing_is_noticed_within_the_cache_lifetime(sqlite_db: Database) -> None:
    ticks = Ticks()
    credentials = Credentials(sqlite_db, 5.0, monotonic=ticks)
    assert run_async(credentials.users_exist) is False
    with sqlite_db.write() as conn:
        make_user(conn, "alice")
    assert run_async(credentials.users_exist) is False
    ticks.now += 5
    assert run_async(credentials.users_exist) is True


@pytest.mark.slow
def test_two_servers_refuse_a_revoked_token_within_the_cache_lifetime(
    tmp_path: Path, sqlite_url: str
) -> None:
    db = Database(sqlite_url)
    with db.write() as conn:
        make_user(conn, "alice", "viewer")
        secret = make_token(conn, "alice", "ci")
    settings = fast_settings(tmp_path, sqlite_url, auth_cache_seconds=1.0)
    headers = {"Authorization": f"Bearer {secret}"}
    first = start_server(settings, tmp_path / "one.log")
    second = start_server(settings, tmp_path / "two.log")
    one, two = next(first), next(second)
    try:
        for server in (one, two):
            assert server.client.get("/v1/executions", headers=headers).status_code == 200
        revoke_token(db, "ci", by=Origin("os:test"))
        revoked_at = time.monotonic()
        for server in (one, two):
            while server.client.get("/v1/executions", headers=headers).status_code == 200:
                assert time.monotonic() - revoked_at < 1.0 + 0.5, "still accepted after the cache"
                time.sleep(0.05)
        assert time.monotonic() - revoked_at <= 1.5
        unauthenticated = httpx.get(f"{one.url}/v1/executions").status_code
        assert unauthenticated == 401
    finally:
        for generator in (first, second):
            generator.close()
        db.dispose()
