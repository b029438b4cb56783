"""What list pages reuse between requests in one server process: counts by status per
filter for a couple of seconds, and finished executions, which can no longer change.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runplane.model import Execution, ExecutionStatus

COUNTS_TTL = 2.0


@dataclass
class CountCache:
    """Counts by status per filter, reused for up to `ttl` seconds (one per server process)."""

    ttl: float = COUNTS_TTL
    max_entries: int = 256
    monotonic: Callable[[], float] = time.monotonic
    _entries: OrderedDict[tuple[Any, ...], tuple[float, dict[ExecutionStatus, int]]] = field(
        default_factory=OrderedDict
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[Any, ...]) -> dict[ExecutionStatus, int] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or self.monotonic() - entry[0] > self.ttl:
                return None
            return entry[1]

    def put(self, key: tuple[Any, ...], counts: dict[ExecutionStatus, int]) -> None:
        with self._lock:
            self._entries[key] = (self.monotonic(), counts)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


@dataclass
class FinishedCache:
    """Finished executions by id, so lists skip re-reading rows that can no longer change.

    A final status is final: nothing shown in a list changes after it (the transition
    table allows no move out of an end state), so entries never need invalidating. An SLA
    standing the watch may still change (a chain's later attempt) keeps it out until settled.
    """

    max_entries: int = 2000
    _entries: OrderedDict[str, Execution] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, execution_id: str) -> Execution | None:
        with self._lock:
            execution = self._entries.get(execution_id)
            if execution is not None:
                self._entries.move_to_end(execution_id)
            return execution

    def put(self, execution: Execution) -> None:
        if not execution.status.is_final or (execution.sla and not execution.sla.settled):
            return
        with self._lock:
            self._entries[execution.execution_id] = execution
            self._entries.move_to_end(execution.execution_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
