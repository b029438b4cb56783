"""CPU and memory samples of the processes an executor runs, written every
`resource_sample_interval` (the advanced tier's resource graphs)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psutil

from runplane.model.clock import Clock
from runplane.store import Database
from runplane.store import resources as resource_store

log = logging.getLogger(__name__)

Processes = Callable[[], list[tuple[str, psutil.Process]]]
"""What runs now: (execution id, its process) pairs."""


class ResourceSampler:
    """A thread sampling `processes()` until `stopping` is set; a failed write is skipped."""

    def __init__(
        self,
        db: Database,
        processes: Processes,
        *,
        interval: float,
        stopping: threading.Event,
        clock: Clock,
    ) -> None:
        self._db = db
        self._processes = processes
        self._interval = interval
        self._stopping = stopping
        self._clock = clock
        self._thread = threading.Thread(target=self._run, name="resource-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            samples = []
            now = self._clock()
            for execution_id, process in self._processes():
                try:
                    with process.oneshot():
                        samples.append(
                            resource_store.ResourceSample(
                                execution_id, now, process.cpu_percent(), process.memory_info().rss
                            )
                        )
                except psutil.Error:
                    continue
            if samples:
                try:
                    with self._db.write() as conn:
                        resource_store.insert_samples(conn, samples)
                except Exception:
                    log.debug("resource samples not written", exc_info=True)
