"""Where the API's blocking work runs: the one rule every route follows.

Routes are `async` and hand their database work to `call`. SQLite reads run inline on the
event loop: they answer from this process in well under a millisecond, so a thread hop
would cost more than the query, and threads would only contend for the GIL. Writes, which
may wait for SQLite's write lock, and every call to a database server, which waits on the
network, go to the thread pool (one thread on SQLite, the pool's size on a server:
`server.py`), so the event loop keeps answering meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from runplane.settings import Settings
from runplane.store import Database

P = ParamSpec("P")
R = TypeVar("R")


async def call(db: Database, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a read on `db`."""
    if db.dialect == "sqlite":
        return fn(*args, **kwargs)
    return await run_in_threadpool(fn, *args, **kwargs)


async def call_broker(
    db: Database, settings: Settings, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run a read that also asks the broker (RUNPLANE_EXECUTOR=celery) on the thread pool,
    as the broker may keep it waiting up to its timeout; otherwise as `call`."""
    if settings.executor == "celery":
        return await run_in_threadpool(fn, *args, **kwargs)
    return await call(db, fn, *args, **kwargs)


async def read(
    db: Database, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run `fn(conn, ...)` in one read transaction on `db`."""

    def in_transaction() -> R:
        with db.read() as conn:
            return fn(conn, *args, **kwargs)

    return await call(db, in_transaction)


async def write(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run work that writes (or may wait for a lock) on the thread pool."""
    return await run_in_threadpool(fn, *args, **kwargs)
