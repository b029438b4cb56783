"""What an executor could not write yet: exits of its processes to record, and outcomes
runners handed over because the database would not take them (full, locked, gone).

The executor keeps each one until a write succeeds, trying again every `RETRY_SECONDS`,
so an execution is never left `running` after its process has gone once storage
recovers. The backlog lives in the executor's memory: if the executor dies too, the
recovery at the next start ends those executions as lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from runplane.engine.running.exits import ProcessExit
from runplane.engine.running.outcome import Outcome

RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Unwritten:
    """An execution's end the executor holds: its process's exit, and the runner's outcome
    when it handed one over."""

    execution_id: str
    ended: ProcessExit
    outcome: Outcome | None
    since: float


class WriteBacklog:
    """Ends waiting for storage, oldest first; not thread-safe (the executor's loop owns it)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: dict[str, Unwritten] = {}
        self._next_try = 0.0

    def hold(self, execution_id: str, ended: ProcessExit, outcome: Outcome | None) -> None:
        self._held[execution_id] = Unwritten(execution_id, ended, outcome, self._clock())

    def __len__(self) -> int:
        return len(self._held)

    @property
    def oldest_seconds(self) -> float:
        """How long the oldest held end has waited (0 when none)."""
        if not self._held:
            return 0.0
        return self._clock() - min(u.since for u in self._held.values())

    def due(self) -> bool:
        return bool(self._held) and self._clock() >= self._next_try

    def flush(self, write: Callable[[Unwritten], None]) -> None:
        """Write what is held, oldest first; stop at the first failure (storage is still
        down), keep it and the rest, and raise it. Retries wait `RETRY_SECONDS`."""
        for unwritten in sorted(self._held.values(), key=lambda u: u.since):
            try:
                write(unwritten)
            except Exception:
                self._next_try = self._clock() + RETRY_SECONDS
                raise
            del self._held[unwritten.execution_id]
