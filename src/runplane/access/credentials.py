"""Credential look-ups on the request path, cached per process for at most
`RUNPLANE_AUTH_CACHE_SECONDS`: a revoked token or ended session is refused everywhere
within that time, and a request with a token costs one SHA-256 and a dict look-up.

Expiry is checked on every use against the app's clock, so an expired token is refused at
once even from the cache. Ages are read from `monotonic`, which tests replace.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from runplane.api.blocking import read
from runplane.model.access import Grant
from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.views import access as views

MAX_ENTRIES = 10_000


@dataclass
class _Entry:
    grant: Grant | None
    fetched: float


class Credentials:
    """Token and session grants, and whether users exist, as this process last read them."""

    def __init__(
        self,
        db: Database,
        ttl: float,
        *,
        clock: Clock = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        """The app's clock: what expiry is compared with."""
        self._ttl = ttl
        self._now = monotonic
        self._grants: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._users: _Entry | None = None
        self._users_exist = False

    async def users_exist(self) -> bool:
        """Once true it stays true (the last admin cannot be removed); false is re-read
        after the cache's lifetime, so `runplane users add` takes effect without a restart."""
        if self._users_exist:
            return True
        checked = self._users
        if checked is None or self._now() - checked.fetched >= self._ttl:
            self._users_exist = await read(self.db, views.users_exist)
            self._users = _Entry(None, self._now())
        return self._users_exist

    async def token(self, secret: str) -> Grant | None:
        return await self._grant("token", secret, views.find_token_grant)

    async def session(self, secret: str) -> Grant | None:
        return await self._grant("session", secret, views.find_session_grant)

    def forget(self, kind: str, secret: str) -> None:
        """Drop a grant this process ended (a logout) at once."""
        with self._lock:
            self._grants.pop((kind, secret), None)

    async def _grant(
        self, kind: str, secret: str, find: Callable[..., Grant | None]
    ) -> Grant | None:
        key = (kind, secret)
        with self._lock:
            entry = self._grants.get(key)
        if entry is not None and self._now() - entry.fetched < self._ttl:
            return entry.grant
        grant = await read(self.db, find, secret)
        if grant is None:  # unknown secrets are not kept: a flood of them cannot grow this
            self.forget(kind, secret)
            return None
        with self._lock:
            self._grants[key] = _Entry(grant, self._now())
            self._grants.move_to_end(key)
            while len(self._grants) > MAX_ENTRIES:
                self._grants.popitem(last=False)
        return grant
