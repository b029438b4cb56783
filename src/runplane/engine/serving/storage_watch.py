"""The health check's view of the storage: a real write probe (at most every
`health_probe_interval`), the SQLite file's identity, and the room left on its disk.

`serve` probes in a thread of its own, so `/health` and the dashboard's header read the
latest facts without waiting; a process without one probes when asked, rate-limited.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from runplane.engine.serving.facts import StorageFacts
from runplane.settings import Settings
from runplane.store import Database, storage_problem
from runplane.store.probes import find_room, probe_write

log = logging.getLogger(__name__)


class StorageWatch:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._interval = settings.health_probe_interval
        self._lock = threading.Lock()
        self._latest: tuple[float, StorageFacts] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="storage-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def fresh(self) -> StorageFacts | None:
        """The latest probe if the watch's thread keeps it fresh, else None (then `facts`
        probes): answering from it costs a `stat`, never a wait for the database."""
        with self._lock:
            latest = self._latest
        if self._thread is None or latest is None:
            return None
        at, found = latest
        if time.monotonic() - at > self._interval * 2:
            return None
        return replace(
            found, probed_seconds_ago=time.monotonic() - at, file_problem=self._db.file_problem()
        )

    def facts(self) -> StorageFacts:
        """The latest probe, or a new one when it is older than the interval allows (a
        write: call it where blocking work may run); the file's identity is checked now
        (a `stat`)."""
        with self._lock:
            latest = self._latest
        limit = self._interval * (2 if self._thread is not None else 1)
        if latest is None or time.monotonic() - latest[0] > limit:
            return self.probe()
        at, found = latest
        return replace(
            found, probed_seconds_ago=time.monotonic() - at, file_problem=self._db.file_problem()
        )

    def probe(self) -> StorageFacts:
        """Probe now: the file's identity, a write, the room left."""
        file_problem = self._db.file_problem()
        error = kind = None
        try:
            probe_write(self._db)
        except Exception as exc:
            found = storage_problem(exc, self._db.location)
            error = str(found) if found is not None else f"{type(exc).__name__}: {exc}"
            kind = found.kind if found is not None else None
        room = None
        try:
            room = find_room(self._db)
        except Exception:
            log.debug("room left on the database's disk not found", exc_info=True)
        facts = StorageFacts(
            probed_seconds_ago=0.0,
            write_error=error,
            write_kind=kind,
            file_problem=file_problem,
            folder=None if room is None else room.folder,
            free_bytes=None if room is None else room.free_bytes,
            capped_pages_left=None if room is None else room.capped_pages_left,
        )
        with self._lock:
            self._latest = (time.monotonic(), facts)
        return facts

    def _run(self) -> None:
        while True:
            try:
                self.probe()
            except Exception:
                log.debug("storage probe failed", exc_info=True)
            if self._stop.wait(self._interval):
                return
