"""What a failed database call means: storage full, database busy, database unavailable, or
not a storage failure at all."""

from __future__ import annotations

import errno
import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from runplane.store import storage_problem
from runplane.store.errors import DATABASE_BUSY, DATABASE_UNAVAILABLE, STORAGE_FULL


def wrapped(error: BaseException) -> OperationalError:
    return OperationalError("INSERT ...", {}, error)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (wrapped(sqlite3.OperationalError("database or disk is full")), STORAGE_FULL),
        (OSError(errno.ENOSPC, "No space left on device"), STORAGE_FULL),
        (wrapped(sqlite3.OperationalError("database is locked")), DATABASE_BUSY),
        (
            wrapped(sqlite3.OperationalError("attempt to write a readonly database")),
            DATABASE_UNAVAILABLE,
        ),
        (wrapped(sqlite3.OperationalError("unable to open database file")), DATABASE_UNAVAILABLE),
        (wrapped(psycopg.OperationalError("connection failed: refused")), DATABASE_UNAVAILABLE),
        (wrapped(psycopg.errors.DiskFull("could not extend file")), STORAGE_FULL),
    ],
)
def test_storage_failures_are_named(error: BaseException, kind: str) -> None:
    problem = storage_problem(error, "/srv/runplane.db")
    assert problem is not None
    assert problem.kind == kind
    assert "/srv/runplane.db" in str(problem)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sqlite3.OperationalError('near "SELEC": syntax error')),
        IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        KeyError("missing"),
        OSError(errno.ENOENT, "No such file or directory"),
    ],
)
def test_other_failures_are_not_storage_problems(error: BaseException) -> None:
    assert storage_problem(error) is None
