"""CPU and memory samples of the process trees an executor runs, written every
`resource_sample_interval` (the advanced tier's resource graphs, and the memory an
execution's cost integrates).

A tree is the execution's process and every descendant alive at the sample: its CPU
seconds are cumulative (each process's own and those of the children it waited for),
its RSS the sum. `cpu_percent` is the CPU seconds used since the previous sample over the
wall time between them (since the process started, for the first), never psutil's first
`cpu_percent` reading, which is always 0.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import psutil

from runplane.model.clock import Clock
from runplane.store import Database
from runplane.store import resources as resource_store

log = logging.getLogger(__name__)

Processes = Callable[[], list[tuple[str, psutil.Process]]]
"""What runs now: (execution id, its process) pairs."""


def children_map() -> dict[int, list[psutil.Process]]:
    """Every process by its parent's pid, read once per round of samples."""
    found: dict[int, list[psutil.Process]] = {}
    for process in psutil.process_iter(["ppid"]):
        ppid = process.info.get("ppid")
        if ppid is not None:
            found.setdefault(int(ppid), []).append(process)
    return found


def tree(root: psutil.Process, children: dict[int, list[psutil.Process]]) -> list[psutil.Process]:
    """`root` and its descendants (each once, even if pids were reused meanwhile)."""
    found = [root]
    seen = {root.pid}
    for process in found:
        for child in children.get(process.pid, ()):
            if child.pid not in seen:
                seen.add(child.pid)
                found.append(child)
    return found


def measure(processes: Iterable[psutil.Process]) -> tuple[float, int]:
    """Cumulative CPU seconds and summed RSS of `processes` (those gone meanwhile count 0;
    their time is their parent's once it waited for them)."""
    cpu = 0.0
    rss = 0
    for process in processes:
        try:
            with process.oneshot():
                times = process.cpu_times()
                cpu += times.user + times.system + times.children_user + times.children_system
                rss += process.memory_info().rss
        except psutil.Error:
            continue
    return cpu, rss


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
        self._last: dict[str, tuple[float, float]] = {}
        """Each execution's previous sample: (monotonic time, CPU seconds)."""
        self._thread = threading.Thread(target=self._run, name="resource-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def sample(self) -> list[resource_store.ResourceSample]:
        """One sample of every running execution's process tree."""
        running = self._processes()
        if not running:
            self._last.clear()
            return []
        children = children_map()
        now = self._clock()
        samples = []
        for execution_id, process in running:
            try:
                alive = process.is_running()
                started = process.create_time()
            except psutil.Error:
                continue
            if not alive:
                continue
            cpu, rss = measure(tree(process, children))
            if rss == 0:  # it ended between the two looks (a zombie has no memory)
                continue
            at = time.monotonic()
            before_at, before_cpu = self._last.get(execution_id, (None, 0.0))
            if before_at is None:
                wall = max(time.time() - started, 1e-3)
            else:
                wall = max(at - before_at, 1e-3)
            self._last[execution_id] = (at, cpu)
            percent = max(0.0, (cpu - before_cpu) / wall * 100)
            samples.append(resource_store.ResourceSample(execution_id, now, percent, rss, cpu))
        current = {execution_id for execution_id, _ in running}
        for gone in set(self._last) - current:
            del self._last[gone]
        return samples

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                samples = self.sample()
            except Exception:
                log.debug("resource samples not taken", exc_info=True)
                continue
            if samples:
                try:
                    with self._db.write() as conn:
                        resource_store.insert_samples(conn, samples)
                except Exception:
                    log.debug("resource samples not written", exc_info=True)
