"""A read that runs on a connection of its own, in a thread, while the caller goes on.

A list page filtered on parameters or free text counts up to a thousand matching rows
inside SQLite (or PostgreSQL) while Python turns its fifty rows into executions: the
driver releases the GIL while a statement runs, so the two overlap and the page waits for
the longer of them instead of their sum. The read sees its own snapshot, taken as it
starts. An in-memory SQLite database, which another connection cannot see, is read on the
caller's own connection instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Connection

from runplane.store.database import Database

T = TypeVar("T")

THREADS = 4
"""Reads running beside their callers at once; more wait for a thread."""

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def read_beside(db: Database, read: Callable[[Connection], T], *, here: Connection) -> Future[T]:
    """`read(conn)` in a read transaction of its own; its result (or error) is the future's.
    `here` is the caller's open connection, which reads instead when no other connection
    could see the same data."""
    if db.dialect == "sqlite" and db.path is None:
        done: Future[T] = Future()
        try:
            done.set_result(read(here))
        except Exception as exc:
            done.set_exception(exc)
        return done
    return _threads().submit(_in_transaction, db, read)


def _in_transaction(db: Database, read: Callable[[Connection], T]) -> T:
    with db.read() as conn:
        return read(conn)


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="runplane-read")
        return _pool


def _forget_threads() -> None:
    """A forked child has none of its parent's threads: it starts a pool of its own."""
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_threads)
