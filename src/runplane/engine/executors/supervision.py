"""The local executor's watch over its fork server: it notices when the server died, says
why in the server log, and starts a new one with backoff, so pending executions start
again within seconds. While it cannot, `problem` says so, for `/health`.

Children forked by a server that died keep running; their exits can no longer be reported,
so the executor watches them itself (`local.py`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from runplane.engine.executors.forkserver import ForkServer

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


class ForkServerSupervisor:
    """Owns the executor's current fork server, if one is running."""

    def __init__(self, settings_json: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings_json = settings_json
        self._clock = clock
        self.server: ForkServer | None = None
        self.generation = 0
        """Counts the servers started; a child remembers the one that forked it."""
        self.restarts = 0
        self.problem: str | None = None
        """Why no fork server runs now, or None while one does."""
        self._failures = 0
        self._next_try = 0.0
        self._lost_reason = ""

    def start(self) -> None:
        """Start the first server; raises when it fails (the executor cannot run without one)."""
        self.server = self._new()

    @property
    def alive(self) -> bool:
        """A server runs and has not exited (checked now, with a poll)."""
        if self.server is not None and not self.server.alive():
            self.lost()
        return self.server is not None

    def lost(self) -> None:
        """The current server died (its socket closed, a spawn failed): log why, drop it."""
        if self.server is None:
            return
        server, self.server = self.server, None
        self._lost_reason = f"the fork server (pid {server.pid}) {server.exit_reason()}"
        server.stop()
        self.problem = f"{self._lost_reason}; restarting it"
        self._next_try = self._clock()
        log.error(
            "%s; executions it started keep running, new ones wait for a new one", self.problem
        )

    def ensure(self) -> bool:
        """Whether a server runs, starting one if it is time to try again."""
        if self.alive:
            return True
        if self._clock() < self._next_try:
            return False
        try:
            self.server = self._new()
        except Exception as exc:
            self._failures += 1
            wait = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (self._failures - 1))
            self._next_try = self._clock() + wait
            self.problem = (
                f"{self._lost_reason}; starting a new one failed {self._failures} "
                f"time{'s' if self._failures > 1 else ''} ({exc}); next try in {wait:.1f} s"
            )
            log.error("%s", self.problem)
            return False
        self.restarts += 1
        self._failures = 0
        self.problem = None
        log.warning(
            "a new fork server (pid %s) runs after %s; pending executions start again",
            self.server.pid,
            self._lost_reason,
        )
        return True

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def _new(self) -> ForkServer:
        server = ForkServer(self._settings_json)
        server.start()
        self.generation += 1
        return server
