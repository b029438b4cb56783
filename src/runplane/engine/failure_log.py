"""One log entry per streak of the same failure, not one per attempt: a loop that retries
every 100 ms against a full disk says so once with the traceback, then once a minute with
a count, and once more when it recovers.

Used by the loops `serve` keeps alive (executor, heartbeat, scheduler, SLA watch, bulk
runner, notification sender), whose retries would otherwise write ten tracebacks a second
into the server log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from runplane.store import storage_problem

REPEAT_SECONDS = 60.0
"""How often a failure that keeps happening is logged again, with how many times it did."""


class FailureLog:
    """The log of one kind of repeating failure (`what`: "the executor's tick failed")."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        repeat: float = REPEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._what = what
        self._repeat = repeat
        self._clock = clock
        self._count = 0
        self._first = 0.0
        self._logged = 0.0
        self.last: str | None = None
        """The latest failure, as one line; None while things work."""

    @property
    def failing(self) -> bool:
        return self._count > 0

    @property
    def failing_for(self) -> float:
        """Seconds since this streak began (0 when not failing)."""
        return self._clock() - self._first if self._count else 0.0

    def failed(self, exc: BaseException, where: str | None = None) -> None:
        """Note one failure (`where`: e.g. the schedule it was for); logs the first of a
        streak (a storage failure without its traceback: its one line says it all) and
        then every `repeat` seconds."""
        now = self._clock()
        found = storage_problem(exc)
        self.last = str(found) if found is not None else f"{type(exc).__name__}: {exc}"
        if where is not None:
            self.last = f"{where}: {self.last}"
        self._count += 1
        if self._count == 1:
            self._first = self._logged = now
            if found is not None:
                self._log.error("%s: %s; retrying", self._what, self.last)
            else:
                self._log.error("%s; retrying", self._what, exc_info=exc)
        elif now - self._logged >= self._repeat:
            self._logged = now
            self._log.error(
                "%s, %d times in %.0f s (last: %s); still retrying",
                self._what,
                self._count,
                now - self._first,
                self.last,
            )

    def succeeded(self) -> None:
        """Note a success; ends a streak with one line saying how long it lasted."""
        if self._count:
            self._log.warning(
                "%s: recovered after %d failures in %.0f s",
                self._what,
                self._count,
                self._clock() - self._first,
            )
        self._count = 0
        self.last = None
