"""What the health check asks of the storage itself: can it take a write now, how much room
is left. A write probe commits a real (if empty) change, with a short lock timeout so a
busy database answers "busy" instead of holding the check for the busy timeout."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from sqlalchemy import text

from runplane.store.database import Database

PROBE_TIMEOUT = 1.0
"""Seconds the probe waits for the write lock before it calls the database busy."""
PAGES_LEFT_FULL = 16
"""A SQLite file capped by `max_page_count` with fewer pages left than this is full."""


def probe_write(db: Database, *, timeout: float = PROBE_TIMEOUT) -> None:
    """Commit a write that changes nothing (the schema revision set to itself); raises
    what the database raises, or `StorageUnavailable` for a removed SQLite file."""
    with db.write(lock_timeout=timeout) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = version_num"))


@dataclass(frozen=True)
class Room:
    """Space left where a SQLite file lives: on its disk, and under its page cap."""

    folder: str
    free_bytes: int
    capped_pages_left: int | None
    """Pages left under `max_page_count`, when one is set below the disk's size."""


def find_room(db: Database) -> Room | None:
    """Space left for a SQLite file; None for a server database (its disk is not here)."""
    if db.path is None:
        return None
    folder = os.path.dirname(os.path.abspath(db.path))
    free = shutil.disk_usage(folder).free
    with db.read() as conn:
        page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        cap = conn.exec_driver_sql("PRAGMA max_page_count").scalar_one()
        free_pages = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
    capped = cap - pages + free_pages if (cap - pages) * page_size < free else None
    return Room(folder, free, capped)


def check_integrity(db: Database) -> list[str]:
    """SQLite's own consistency check (`PRAGMA quick_check`): empty when the file is sound.
    A server database keeps its own; nothing is checked there."""
    if db.dialect != "sqlite":
        return []
    with db.read() as conn:
        found = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA quick_check")]
    return [] if found == ["ok"] else found


def database_bytes(db: Database) -> int:
    """The database's size on disk: a SQLite file and its write-ahead log, or a server
    database as the server counts it."""
    if db.dialect == "postgresql":
        with db.read() as conn:
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    if db.path is None:
        return 0
    return sum(
        os.path.getsize(f"{db.path}{suffix}")
        for suffix in ("", "-wal")
        if os.path.exists(f"{db.path}{suffix}")
    )
