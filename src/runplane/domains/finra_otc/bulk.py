"""Fast batch inserts: `executemany` on SQLite's DBAPI connection, `COPY` on PostgreSQL.

Rows are plain tuples in the order of `columns`; dates go in as ISO strings, which both
databases store as SQLAlchemy's `Date` reads them back. No per-row ORM or Core work.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert `rows` on the caller's transaction."""
    if not rows:
        return
    names = ", ".join(columns)
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    elif conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        driver.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    else:
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around a bulk loop.

    Such loops make millions of short-lived, acyclic tuples that reference counting
    frees; the collector's passes over them only cost time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
