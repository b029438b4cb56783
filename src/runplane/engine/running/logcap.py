"""The caps on one execution's log (`RUNPLANE_LOG_MAX_LINES`, `_MAX_BYTES`, `_MAX_LINE_BYTES`,
`_TAIL_LINES`): which lines are kept when a pipeline logs far more than anyone will read.

    head      the first lines, until the caps less the tail's share are reached
    marker    "log truncated at line N: ..." when the head fills, then with the counts
    tail      the last `tail_lines` lines, held here and written when the run ends

Lines at ERROR and above are always kept: one that leaves the tail window is written
there and then (so the log stays in order), up to another `max_lines` of them. The run's
last lines (traceback, "Execution complete") come after the tail. The execution keeps
running whatever it logs.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

KEPT_LEVELS = frozenset({"ERROR", "CRITICAL"})
TAIL_SHARE = 10
"""The tail may hold up to 1/TAIL_SHARE of the byte cap; the head the rest."""
PENDING_LIMIT = 50_000
"""Head lines waiting for a write (the database refuses them) past which more are dropped."""

HEAD, TAIL, DROP = 0, 1, 2

Held = tuple[str, datetime, str]
"""A line not written yet: level, time, text."""


class LogCap:
    """Not thread-safe: the log sink calls it under its own lock."""

    def __init__(
        self, *, max_lines: int, max_bytes: int, max_line_bytes: int, tail_lines: int
    ) -> None:
        self._line_bytes = max_line_bytes
        self._tail_lines = min(tail_lines, max_lines // 2)
        self._tail_bytes = max_bytes // TAIL_SHARE
        self._head_lines = max_lines - self._tail_lines
        self._head_bytes = max_bytes - self._tail_bytes
        self._max_errors = max_lines
        self._lines = 0
        self._bytes = 0
        self._errors = 0
        self._tail: deque[tuple[Held, int]] = deque()
        self._held_bytes = 0
        self.truncated_at: int | None = None
        """How many lines the head holds, once it is full."""
        self.dropped_lines = 0
        self.dropped_bytes = 0
        self._finished = False

    def cut(self, text: str) -> str:
        """A line cut to `max_line_bytes` (UTF-8), saying how much was cut."""
        if len(text) * 4 <= self._line_bytes or len(encoded := text.encode()) <= self._line_bytes:
            return text
        kept = encoded[: self._line_bytes].decode(errors="ignore")
        return f"{kept} … [{len(encoded) - self._line_bytes:,} bytes cut]"

    def place(self, level: str, text: str, pending: int) -> int:
        """Where a line goes: `HEAD` (written with the next batch, and counted), `TAIL`
        (hand it to `tail`), or `DROP`.

        `pending` is how many lines wait for a write: past `PENDING_LIMIT` (the database
        takes none) a line that is not an error is dropped, and counted.
        """
        size = len(text) if text.isascii() else len(text.encode())
        if self.truncated_at is None:
            if self._lines < self._head_lines and self._bytes + size <= self._head_bytes:
                if pending >= PENDING_LIMIT and level not in KEPT_LEVELS:
                    self.dropped_lines += 1
                    self.dropped_bytes += size
                    return DROP
                self._lines += 1
                self._bytes += size
                return HEAD
            self.truncated_at = self._lines
        return TAIL

    def tail(self, level: str, at: datetime, text: str) -> list[Held]:
        """Hold a line past the head; returns the errors that left the tail window (write
        them now) — the other lines that leave it are dropped and counted."""
        size = len(text) if text.isascii() else len(text.encode())
        self._tail.append(((level, at, text), size))
        self._held_bytes += size
        leaving: list[Held] = []
        while self._tail and (
            len(self._tail) > self._tail_lines or self._held_bytes > self._tail_bytes
        ):
            (line, line_size) = self._tail.popleft()
            self._held_bytes -= line_size
            if line[0] in KEPT_LEVELS and self._errors < self._max_errors:
                self._errors += 1
                leaving.append(line)
            else:
                self.dropped_lines += 1
                self.dropped_bytes += line_size
        return leaving

    def finish(self, at: datetime) -> list[Held]:
        """The marker with the counts, then the tail, oldest first; empty if nothing was
        truncated, or once it was called. Empties the tail."""
        if self._finished or (self.truncated_at is None and not self.dropped_lines):
            return []
        self._finished = True
        held = [line for line, _ in self._tail]
        self._tail.clear()
        self._held_bytes = 0
        return [("WARNING", at, self.summary()), *held]

    def summary(self) -> str:
        """`log truncated: 1,540,000 lines / 690,123,456 bytes dropped; ...`"""
        kept = f"the last {self._tail_lines:,} lines follow" if self._tail_lines else "no tail"
        return (
            f"log truncated: {self.dropped_lines:,} lines / {self.dropped_bytes:,} bytes "
            f"dropped (caps RUNPLANE_LOG_MAX_LINES / RUNPLANE_LOG_MAX_BYTES); errors were "
            f"kept; {kept}"
        )

    def started(self) -> str:
        """The marker written when the head fills."""
        return (
            f"log truncated at line {self.truncated_at:,}: from here only errors are written "
            f"as they come; the last {self._tail_lines:,} lines are written when the run ends"
        )
