"""Exceptions raised by store queries, and what a failed database call means to an operator.

`storage_problem` turns a driver error (or the store's own `StorageUnavailable`) into one
of three answers the API, the dashboard and the CLI give alike: the storage is full, the
database is busy past its timeout, or it cannot be used at all (gone, read-only, down).
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass


class NotFound(LookupError):
    """A `get_*` query found no row; the message names what was looked for."""


class AmbiguousId(NotFound):
    """An id prefix that more than one execution's id starts with; `candidates` are some."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


class SchemaError(RuntimeError):
    """The database's schema revision does not match this Runplane; the message says what to do."""


STORAGE_FULL = "storage-full"
DATABASE_BUSY = "database-busy"
DATABASE_UNAVAILABLE = "database-unavailable"

_TITLES = {
    STORAGE_FULL: "Storage full",
    DATABASE_BUSY: "Database busy",
    DATABASE_UNAVAILABLE: "Database unavailable",
}


class StorageUnavailable(RuntimeError):
    """The database cannot take this call now; `kind` is one of the three answers above and
    the message a sentence saying why and what to do."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def title(self) -> str:
        return _TITLES[self.kind]


@dataclass(frozen=True)
class _Match:
    kind: str
    words: tuple[str, ...]
    advice: str


_MATCHES = (
    _Match(
        STORAGE_FULL,
        ("database or disk is full", "disk full", "no space left", "could not extend file"),
        "free space on its disk, then try again",
    ),
    _Match(
        DATABASE_BUSY,
        ("database is locked", "lock timeout", "canceling statement due to lock timeout"),
        "another transaction held the write lock past the timeout; try again shortly",
    ),
    _Match(
        DATABASE_UNAVAILABLE,
        ("malformed", "file is not a database", "corrupt"),
        "the file is damaged: restore it from a backup (`runplane db check` reports it)",
    ),
    _Match(
        DATABASE_UNAVAILABLE,
        (
            "readonly database",
            "read-only",
            "unable to open database file",
            "disk i/o error",
            "no such table",
        ),
        "check that the database is reachable and writable",
    ),
)


def storage_problem(exc: BaseException, location: str | None = None) -> StorageUnavailable | None:
    """What `exc` means for the storage, or None when it is not a storage failure (a
    constraint violated, a programming error: those stay errors of their own)."""
    if isinstance(exc, StorageUnavailable):
        return exc
    where = f" ({location})" if location else ""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageUnavailable(
            STORAGE_FULL, f"{exc.strerror}{where}; free space on its disk, then try again"
        )
    original = getattr(exc, "orig", None) or exc
    server_down = _is_server_error(original)
    if not (server_down or _is_sqlite_error(original)):
        return None
    text = (str(original).strip().splitlines() or [type(original).__name__])[0][:200]
    lowered = text.lower()
    for match in _MATCHES:
        if any(word in lowered for word in match.words):
            return StorageUnavailable(match.kind, f"{text}{where}; {match.advice}")
    if server_down:  # any other operational error of a server: it is not answering
        return StorageUnavailable(
            DATABASE_UNAVAILABLE, f"{text}{where}; check that the server is up"
        )
    return None


def _is_sqlite_error(exc: BaseException) -> bool:
    """SQLite's operational and corruption errors (its syntax errors are operational too,
    which is why the message decides)."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError
    )


def _is_server_error(exc: BaseException) -> bool:
    """PostgreSQL's operational errors: connection lost, disk full, lock timeout, shutdown."""
    import psycopg

    return isinstance(exc, psycopg.OperationalError)
