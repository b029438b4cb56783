"""What `/health` and the dashboard's header know of a serving process, read without touching
its internals: its storage (probed), its heartbeat, its scheduler, and its executor's
`ExecutorFacts`. Read models import these types; the serving runtime fills them in."""

from __future__ import annotations

from dataclasses import dataclass

from runplane.engine.executors.base import ExecutorFacts


@dataclass(frozen=True)
class StorageFacts:
    """The latest probe of the database: can it take a write, is its file the one opened,
    how much room is left (SQLite)."""

    probed_seconds_ago: float
    write_error: str | None
    """Why the probe's write failed, as a sentence; None when it committed."""
    write_kind: str | None
    """`storage-full`, `database-busy` or `database-unavailable` when it failed."""
    file_problem: str | None
    """The SQLite file at the configured path is not the one opened (removed)."""
    folder: str | None = None
    free_bytes: int | None = None
    """Free space on the SQLite file's disk; None for a server database."""
    capped_pages_left: int | None = None


@dataclass(frozen=True)
class SchedulerFacts:
    alive: bool
    last_tick_seconds_ago: float | None
    """None before its first pass."""
    problem: str | None


@dataclass(frozen=True)
class ServingFacts:
    """The loops `runplane serve` keeps alive beside its web server."""

    executor: ExecutorFacts
    heartbeat_alive: bool
    heartbeat_seconds_ago: float
    scheduler: SchedulerFacts | None
    """None in a tier without scheduling."""
