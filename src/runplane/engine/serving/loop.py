"""A background loop of `serve` (scheduler, SLA watch, notification sender, bulk runner):
its thread, its interval, its failure log and, where given, the lease that decides which
of several `serve` processes sharing a database runs its passes.
"""

from __future__ import annotations

import logging
import threading

from runplane.engine.failure_log import FailureLog
from runplane.engine.serving.lease import Lease

log = logging.getLogger(__name__)


class ServeLoop:
    """Runs `tick()` every `interval` seconds on a thread named `name`; with a `lease`, only
    while this process holds it. Subclasses write `tick()`; tests call it (or `step()`)."""

    def __init__(
        self,
        name: str,
        interval: float,
        failures: FailureLog,
        *,
        lease: Lease | None = None,
        join_timeout: float | None = None,
    ) -> None:
        self.name = name
        self.interval = interval
        self.lease = lease
        self._failures = failures
        self._join_timeout = join_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> object:
        """One pass; a failure it raises is logged once per streak by the loop."""
        raise NotImplementedError

    def step(self) -> bool:
        """One pass if this process holds the lease (or the loop has none); whether it ran."""
        if not self.holds_lease():
            self._failures.succeeded()  # the database answered; another serve runs it
            return False
        self.tick()
        return True

    def holds_lease(self) -> bool:
        """Whether passes may go on (asked again mid-pass by a long one; cheap while held)."""
        return self.lease is None or self.lease.held()

    @property
    def alive(self) -> bool:
        """Its thread runs (started and not stopped)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def problem(self) -> str | None:
        """The failure its passes keep meeting, or None."""
        return self._failures.last

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the pass under way and give the lease up for another serve."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._join_timeout)
        if self.lease is not None:
            try:
                self.lease.release()
            except Exception as exc:
                log.warning(
                    "could not release %s (%s); another server takes it once it expires",
                    self.lease.name,
                    exc,
                )

    def _run(self) -> None:
        while True:
            try:
                self.step()
            except Exception as exc:
                self._failures.failed(exc)
            if self._stop.wait(self.interval):
                return
