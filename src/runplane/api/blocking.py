"""Running blocking database work from async routes.

SQLite answers from this process in well under a millisecond, so its calls run inline
on the event loop (a thread hop costs more than the query and the threads only contend
for the GIL); a database server's calls wait on the network, so they go to threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from runplane.store import Database

P = ParamSpec("P")
R = TypeVar("R")


async def call(db: Database, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    if db.dialect == "sqlite":
        return fn(*args, **kwargs)
    return await run_in_threadpool(fn, *args, **kwargs)
