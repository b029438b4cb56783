"""The lease one background loop of `serve` asks before each pass, so that of several
`serve` processes sharing a database only one runs it at a time (`store/leases.py`).

The holder renews once a third of the TTL has passed, not on every pass; a process
that does not hold it only reads the row until the lease is free or has expired.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.store import leases as store

log = logging.getLogger(__name__)


class Lease:
    """The lease `name` for `holder` (the serve process's worker id), `ttl` seconds long."""

    def __init__(
        self, db: Database, name: str, holder: str, ttl: float, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.name = name
        self.holder = holder
        self.ttl = timedelta(seconds=ttl)
        self._clock = clock
        self._renew_at: datetime | None = None
        """Until when this process holds it without asking again; None: not held."""

    def held(self) -> bool:
        """Whether this process holds the lease now, taking or renewing it if it may.

        Raises what the database raises (the lease is then taken as lost).
        """
        now = self._clock()
        if self._renew_at is not None and now < self._renew_at:
            return True
        try:
            taken = self._take(now)
        except Exception:
            self._lost()
            raise
        if not taken:
            self._lost()
            return False
        if self._renew_at is None:
            log.info("this server (worker %s) now runs %s", self.holder, self.name)
        self._renew_at = now + self.ttl / 3
        return True

    def release(self) -> None:
        """Give the lease up (on stop), so another serve takes it on its next pass."""
        if self._renew_at is None:
            return
        self._renew_at = None
        with self.db.write() as conn:
            store.release(conn, self.name, self.holder)
        log.info("this server (worker %s) released %s", self.holder, self.name)

    def _take(self, now: datetime) -> bool:
        with self.db.read() as conn:
            current = store.find_lease(conn, self.name)
        if current is not None and current.holder != self.holder and current.expires_at >= now:
            return False  # held elsewhere: no write lock taken for nothing
        with self.db.write() as conn:
            return store.take(conn, self.name, self.holder, now=now, ttl=self.ttl)

    def _lost(self) -> None:
        if self._renew_at is not None:
            log.warning("this server (worker %s) no longer runs %s", self.holder, self.name)
        self._renew_at = None
