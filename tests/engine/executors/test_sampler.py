"""The sampler measures an execution's whole process tree: a child's CPU and memory count."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import psutil
import pytest

from runplane.engine.executors.sampler import ResourceSampler, children_map, measure, tree
from runplane.store import Database
from tests.conftest import FakeClock

BURN = "import time\nend = time.monotonic() + 30\nwhile time.monotonic() < end: pass"


@pytest.fixture
def parent() -> Iterator[psutil.Process]:
    """A process (`sh`) with a busy Python child, standing in for an execution's tree."""
    process = subprocess.Popen(["sh", "-c", f'"{sys.executable}" -c "$0"; :', BURN])
    try:
        yield psutil.Process(process.pid)
    finally:
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        process.kill()
        process.wait()


def wait_for_child(parent: psutil.Process) -> psutil.Process:
    deadline = time.monotonic() + 10
    while not parent.children():
        assert time.monotonic() < deadline, "the busy child never started"
        time.sleep(0.01)
    return parent.children()[0]


def test_the_tree_of_a_process_includes_its_children(parent: psutil.Process) -> None:
    child = wait_for_child(parent)
    members = tree(parent, children_map())
    assert [p.pid for p in members] == [parent.pid, child.pid]


def busy_for(process: psutil.Process, seconds: float) -> float:
    """Wait until `process` has used `seconds` of CPU (however loaded the machine)."""
    deadline = time.monotonic() + 30
    while (used := sum(process.cpu_times()[:2])) < seconds:
        assert time.monotonic() < deadline, f"the child used only {used:.2f} CPU-s"
        time.sleep(0.02)
    return used


def test_a_busy_child_makes_the_trees_cpu_seconds_and_rss(parent: psutil.Process) -> None:
    child = wait_for_child(parent)
    busy_for(child, 0.2)
    own_cpu, own_rss = measure([parent])
    cpu, rss = measure(tree(parent, children_map()))
    assert own_cpu < 0.1
    assert cpu >= own_cpu + 0.2
    assert rss >= own_rss + child.memory_info().rss // 2


def test_samples_derive_cpu_percent_from_the_cpu_seconds_between_them(
    parent: psutil.Process, sqlite_db: Database
) -> None:
    child = wait_for_child(parent)
    sampler = ResourceSampler(
        sqlite_db,
        lambda: [("e1", parent)],
        interval=60,
        stopping=threading.Event(),
        clock=FakeClock(),
    )
    first = sampler.sample()
    busy_for(child, sum(child.cpu_times()[:2]) + 0.2)
    second = sampler.sample()
    assert [s.execution_id for s in first + second] == ["e1", "e1"]
    assert first[0].cpu_seconds is not None
    assert second[0].cpu_seconds is not None
    assert second[0].cpu_seconds > first[0].cpu_seconds
    assert 0 < second[0].cpu_percent <= 105  # at most one busy core, over the tree
    assert second[0].rss_bytes > 0
