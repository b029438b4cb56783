"""Collects everything a running pipeline emits and writes it to its log in batches.

Logger records, `print` output and warnings become lines with millisecond timestamps;
a background thread flushes every `interval` seconds or `max_lines` lines, in one
short transaction, never a commit per line. `cap` (`logcap.py`) bounds what is kept.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from runplane.engine.running.logcap import HEAD, TAIL, LogCap
from runplane.model import LogLine
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store import logs as log_store


class LogSink:
    def __init__(
        self,
        db: Database,
        execution_id: str,
        *,
        interval: float,
        max_lines: int,
        progress_interval: float = 1.0,
        cap: LogCap | None = None,
    ) -> None:
        self._db = db
        self._cap = cap or LogCap(
            max_lines=2**62, max_bytes=2**62, max_line_bytes=2**62, tail_lines=0
        )
        self._marked = False
        self._execution_id = execution_id
        self._interval = interval
        self._max_lines = max_lines
        self._progress_interval = progress_interval
        self._buffer: list[LogLine] = []
        self._progress: dict[str, Any] | None = None
        self._progress_written_at = 0.0
        self._seq = 0
        self._cond = threading.Condition()
        # Held while a batch is taken and written, so `take` waits for a write in flight:
        # a run's last lines and final status then commit after every earlier line.
        self._writing = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="log-flush", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def emit(self, level: str, message: str, at: datetime | None = None) -> None:
        at = at or datetime.now(UTC)
        cap = self._cap
        with self._cond:
            for line in message.splitlines() or [""]:
                text = cap.cut(line)
                place = cap.place(level, text, len(self._buffer))
                if place == HEAD:
                    self._seq += 1
                    self._buffer.append(LogLine(self._execution_id, self._seq, at, level, text))
                elif place == TAIL:
                    if not self._marked:
                        self._marked = True
                        self._add("WARNING", at, cap.started())
                    for kept in cap.tail(level, at, text):
                        self._add(*kept)
            if len(self._buffer) >= self._max_lines:
                self._cond.notify()

    def _add(self, level: str, at: datetime, text: str) -> None:
        self._seq += 1
        self._buffer.append(LogLine(self._execution_id, self._seq, at, level, text))

    def take(self, *final: tuple[str, str]) -> list[LogLine]:
        """Remove and return the buffered lines plus `final` (level, message) lines.

        For writing a run's last lines in the same transaction as its final status; waits
        for a background write in flight, so no earlier line can be lost with the process
        once that status is committed.
        """
        with self._writing, self._cond:
            now = datetime.now(UTC)
            for held in self._cap.finish(now):
                self._add(*held)
            for level, message in final:
                self._add(level, now, message)
            lines, self._buffer = self._buffer, []
        return lines

    def put_back(self, lines: list[LogLine]) -> None:
        """Return lines from `take` that were not written, ahead of anything newer."""
        with self._cond:
            self._buffer[:0] = lines

    def set_progress(self, progress: dict[str, Any]) -> None:
        with self._cond:
            self._progress = progress

    def flush(self) -> None:
        """Write what is buffered now; safe to call from any thread."""
        with self._writing:
            with self._cond:
                lines, self._buffer = self._buffer, []
                progress = self._take_progress()
            if not lines and progress is None:
                return
            try:
                with self._db.write() as conn:
                    log_store.insert_log_lines(conn, lines)
                    if progress is not None:
                        execution_store.update_execution(
                            conn, self._execution_id, progress=progress
                        )
            except Exception:
                with self._cond:  # keep the lines for the next attempt, in order
                    self._buffer[:0] = lines
                raise

    def close(self) -> None:
        """Stop the background writer and write what is left, the tail of a capped log too
        (a run that stopped on request never took its last lines)."""
        with self._cond:
            self._closed = True
            for held in self._cap.finish(datetime.now(UTC)):
                self._add(*held)
            self._cond.notify()
        self._thread.join()
        self.flush()

    def _take_progress(self) -> dict[str, Any] | None:
        now = time.monotonic()
        if self._progress is None or now - self._progress_written_at < self._progress_interval:
            return None
        progress, self._progress = self._progress, None
        self._progress_written_at = now
        return progress

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._closed and len(self._buffer) < self._max_lines:
                    self._cond.wait(self._interval)
                if self._closed:
                    return
            try:
                self.flush()
            except Exception:  # a busy database: the lines stay buffered for the next tick
                logging.getLogger(__name__).debug("log flush failed; retrying", exc_info=True)


class SinkHandler(logging.Handler):
    """Routes logging records (the pipeline's logger, libraries, warnings) into the sink."""

    def __init__(self, sink: LogSink) -> None:
        super().__init__()
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
            self._sink.emit(record.levelname, message, datetime.fromtimestamp(record.created, UTC))
        except Exception:
            self.handleError(record)


class SinkStream(io.TextIOBase):
    """A stand-in for `sys.stdout`/`sys.stderr`: each complete line becomes a log line."""

    def __init__(self, sink: LogSink, level: str) -> None:
        self._sink = sink
        self._level = level
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._partial += text
            *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self._sink.emit(self._level, line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            partial, self._partial = self._partial, ""
        if partial:
            self._sink.emit(self._level, partial)
