"""OS process identity: a pid is only the same process if its start time matches too."""

from __future__ import annotations

import os
import signal

import psutil


def start_time(pid: int) -> float | None:
    """The process's start time (seconds since the epoch), or None if there is no such process."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def is_alive(pid: int, started: float | None) -> bool:
    """True if `pid` exists, is not a zombie, and (when given) started at `started`."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(process.create_time() - started) < 0.05
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def kill(pid: int, started: float | None) -> bool:
    """SIGKILL the process if it is still the one that started at `started`."""
    if not is_alive(pid, started):
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True
