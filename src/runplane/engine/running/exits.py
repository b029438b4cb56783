"""How an execution's process ended, as its executor saw it, and what its exit code says.

    EXIT_DONE        the runner recorded the result (completed, failed or dry run)
    EXIT_CANCELLED   it stopped on request (`check_cancelled()` raised), nothing published
    EXIT_UNRECORDED  the runner's result was refused: the row was no longer running, or a
                     cancel request came first
    EXIT_HANDED_OVER the database would not take the result (full, locked, gone) for
                     `final_write_timeout`; the runner gave it to its executor to write
    anything else    it died before recording a result (negative: killed by that signal)

`lifecycle.record_exit` turns one of these into the execution's final status.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

from runplane.engine.running.link import EXIT_ORPHANED
from runplane.model.cost import ExitUsage

EXIT_DONE = 0
EXIT_CANCELLED = 3
EXIT_UNRECORDED = 4
EXIT_HANDED_OVER = 5

__all__ = [
    "EXIT_CANCELLED",
    "EXIT_DONE",
    "EXIT_HANDED_OVER",
    "EXIT_ORPHANED",
    "EXIT_UNRECORDED",
    "ProcessExit",
]


@dataclass(frozen=True)
class ProcessExit:
    """The end of an execution's process: its exit code (None if unknown), and whether the
    executor killed it; `lost` says why it is gone when no exit was seen (its worker died);
    `usage`, what its process used as its waited-for exit reported it (None when unseen)."""

    pid: int | None
    code: int | None
    killed: bool = False
    lost: str | None = None
    usage: ExitUsage | None = None

    @property
    def recorded(self) -> bool:
        """The runner wrote the result itself: nothing is left to record."""
        return self.code == EXIT_DONE and self.lost is None

    @property
    def cooperative(self) -> bool:
        """It stopped by itself after a stop request, rather than being killed."""
        return not self.killed and self.code in (EXIT_CANCELLED, EXIT_UNRECORDED)

    def describe(self) -> str:
        """Why the process ended without a result, for the `worker_lost` error."""
        if self.lost is not None:
            return self.lost
        if self.code is not None and self.code < 0:
            name = signal.Signals(-self.code).name
            return f"Its process (pid {self.pid}) was killed by {name} before it recorded a result"
        return (
            f"Its process (pid {self.pid}) exited with code {self.code} before it recorded a result"
        )
