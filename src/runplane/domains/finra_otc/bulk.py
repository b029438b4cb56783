"""Fast batch inserts: `executemany` on SQLite's DBAPI connection, `COPY` on PostgreSQL.

Rows are plain tuples in the order of `columns`; dates go in as ISO strings, which both
databases store as SQLAlchemy's `Date` reads them back. No per-row ORM or Core work.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
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


def insert_lines(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    lead: tuple[str, int],
    fields: Sequence[pa.StringArray],
    *,
    backslash: bool = True,
) -> None:
    """Insert one row per line of `fields` (string columns) on the caller's transaction,
    each led by `lead`'s capture id and a line number counting up from its second value.

    PostgreSQL is sent the lines as COPY text built by pyarrow, without a Python object per
    field, unless a field holds a backslash (`backslash`), which that format would read
    as an escape.
    """
    capture_id, first = lead
    rows = len(fields[0]) if fields else 0
    if not rows:
        return
    if conn.dialect.name == "postgresql" and not backslash:
        names = ", ".join(columns)
        driver: Any = conn.connection.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (DELIMITER '|')") as copy,
        ):
            copy.write(_copy_text(capture_id, first, fields))
        return
    values = [f.to_pylist() for f in fields]
    lines = zip(repeat(capture_id), range(first, first + rows), *values, strict=False)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(columns)
        driver = conn.connection.driver_connection
        driver.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", lines)
        return
    insert_rows(conn, table, columns, list(lines))


def _copy_text(capture_id: str, first: int, fields: Sequence[pa.StringArray]) -> bytes:
    """`capture|line|field|...|field` and a newline per line, joined by pyarrow."""
    numbers = pa.array(range(first, first + len(fields[0])), pa.int64()).cast(pa.string())
    joined = pc.binary_join_element_wise(capture_id, numbers, *fields, "|")
    lines = pa.ListArray.from_arrays(pa.array([0, len(joined)], pa.int32()), joined)
    text = pc.binary_join(lines, "\n")[0].as_py()
    return f"{text}\n".encode()
