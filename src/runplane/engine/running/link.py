"""How a running execution hears from its executor: stop requests come in, notes about
waiting go out. The runner is given a link; which one depends on the executor.

`Lifeline` is the local executor's: one end of a socket pair whose other end the executor
holds. A closed lifeline means the executor is gone, and the execution's process exits.
"""

from __future__ import annotations

import os
import threading
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from runplane.engine.running.outcome import Outcome

EXIT_ORPHANED = 70
"""The exit code of a process whose executor went away."""


class ExecutorLink(Protocol):
    def watch(self, stop: threading.Event) -> None:
        """Set `stop` when the executor asks the execution to stop (returns at once)."""

    def send(self, message: str) -> None:
        """Tell the executor `waiting` (no worker slot needed while it waits for children),
        `resumed`, or `submitted` (a child execution is queued)."""

    def hand_over(self, outcome: Outcome) -> bool:
        """Give the executor a result this process could not write, for it to write later;
        False when the link cannot carry it (the executor is gone)."""
        ...


class Lifeline:
    """The local executor's link: messages over a socket pair, exit when it closes."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def watch(self, stop: threading.Event) -> None:
        threading.Thread(target=self._listen, args=(stop,), name="lifeline", daemon=True).start()

    def send(self, message: str) -> None:
        self._connection.send((message,))

    def hand_over(self, outcome: Outcome) -> bool:
        try:
            self._connection.send(("outcome", outcome))
        except OSError:
            return False
        return True

    def _listen(self, stop: threading.Event) -> None:
        try:
            while True:
                if self._connection.recv()[0] == "stop":
                    stop.set()
        except (EOFError, OSError):
            os._exit(EXIT_ORPHANED)
