"""Statements the list runs on every request, compiled once per shape and run as driver SQL.

A Core statement costs a few hundred microseconds of Python per execution on SQLite
(cache key, execution context, row objects) for a query that itself takes tens: the list
page runs three of them. Here the statement is still built with Core, from the tables,
and compiled by the connection's dialect once per shape (which filters, how many values
in each `IN`); each call then converts its values with the columns' own bind and result
processors and runs the SQL through `exec_driver_sql`, so errors are wrapped and
connection events fire exactly as for any other statement.

The writes every run makes (its claim, its end, its events and log lines) go through
`execute` and `execute_many`: prepared on SQLite, and on other backends the same Core
statement, built once per shape and executed with the values.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from sqlalchemy import BindParameter, Connection, Dialect, Executable, Table, bindparam
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Prepared:
    """One compiled statement: its SQL, its parameters in order and how to convert each
    parameter and each result column."""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    binds: tuple[Processor, ...]
    columns: tuple[str, ...]
    results: tuple[Processor, ...]

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The driver's parameters for `values`, in the statement's order."""
        given = {**self.defaults, **values}
        return tuple(
            given[name] if convert is None else convert(given[name])
            for name, convert in zip(self.names, self.binds, strict=True)
        )

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The result rows as tuples of Python values, in the select's column order."""
        raw = conn.exec_driver_sql(self.sql, self.params(values)).cursor.fetchall()
        return [self.row(found) for found in raw]

    def row(self, found: Sequence[Any]) -> tuple[Any, ...]:
        """One driver row as Python values (the columns' result processors applied, only
        where a column has one: most of a wide row's values pass through as they are)."""
        values = list(found)
        for i, convert in self.converted:
            if (value := values[i]) is not None:
                values[i] = convert(value)
        return tuple(values)

    @cached_property
    def converted(self) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        """The result columns that have a processor: their place and the processor."""
        return tuple((i, f) for i, f in enumerate(self.results) if f is not None)


def _compile(dialect: Dialect, statement: ClauseElement) -> Prepared:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    names = tuple(compiled.positiontup or ())
    binds = tuple(
        compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
    )
    selected = list(getattr(statement, "exported_columns", ()))  # a DML's RETURNING
    return Prepared(
        sql=compiled.string,
        names=names,
        defaults={n: b.effective_value for n, b in compiled.binds.items() if not b.required},
        binds=binds,
        columns=tuple(str(c.key) for c in selected),
        results=tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected
        ),
    )


class Statements:
    """Compiled statements by shape, one set per process (a shape's SQL never changes)."""

    def __init__(self, max_entries: int = 512) -> None:
        self._compiled: dict[Hashable, Prepared] = {}
        self._built: dict[Hashable, Executable] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def get(
        self, conn: Connection, shape: Hashable, build: Callable[[], ClauseElement]
    ) -> Prepared:
        """The statement `build` makes for `shape`, compiled for `conn`'s dialect."""
        key = (conn.dialect.name, shape)
        found = self._compiled.get(key)
        if found is None:
            found = _compile(conn.dialect, build())
            self._keep(self._compiled, key, found)
        return found

    def built(self, shape: Hashable, build: Callable[[], Executable]) -> Executable:
        """The Core statement `build` makes for `shape`, built once (for other backends)."""
        found = self._built.get(shape)
        if found is None:
            found = build()
            self._keep(self._built, shape, found)
        return found

    def _keep(self, cache: dict[Hashable, Any], key: Hashable, found: object) -> None:
        with self._lock:
            if len(cache) >= self._max:
                cache.clear()
            cache[key] = found


statements = Statements()


def bound(table: Table, names: Sequence[str], *, prefix: str = "") -> dict[str, BindParameter[Any]]:
    """For each column name, a bound parameter of that column's type named `prefix + name`
    (an UPDATE's SET needs a prefix: a parameter may not share its column's name)."""
    return {name: bindparam(prefix + name, type_=table.c[name].type) for name in names}


def execute(
    conn: Connection, shape: Hashable, build: Callable[[], Executable], values: Mapping[str, Any]
) -> tuple[int, list[tuple[Any, ...]]]:
    """Run the statement `build` makes for `shape` (its bound parameters named as `values`'
    keys): the rows it matched and its RETURNING rows, if any."""
    if conn.dialect.name == "sqlite":
        prepared = statements.get(conn, shape, build)  # type: ignore[arg-type]
        result = conn.exec_driver_sql(prepared.sql, prepared.params(values))
        if not prepared.columns:
            return result.rowcount, []
        return result.rowcount, [prepared.row(found) for found in result.cursor.fetchall()]
    result = conn.execute(statements.built(shape, build), dict(values))
    returned = [tuple(row) for row in result] if result.returns_rows else []
    return result.rowcount, returned


def insert(conn: Connection, table: Table, row: Mapping[str, Any]) -> None:
    """Insert one row (prepared per table and set of columns)."""
    insert_many(conn, table, [row])


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that all have the same columns, in one driver call."""
    if not rows:
        return
    names = tuple(rows[0])
    shape = ("insert", table.name, names)
    execute_many(conn, shape, lambda: table.insert().values(bound(table, names)), rows)


def execute_many(
    conn: Connection,
    shape: Hashable,
    build: Callable[[], Executable],
    values: Sequence[Mapping[str, Any]],
) -> None:
    """Run the statement `build` makes once per item of `values` (one driver call)."""
    if not values:
        return
    if conn.dialect.name == "sqlite":
        prepared = statements.get(conn, shape, build)  # type: ignore[arg-type]
        conn.exec_driver_sql(prepared.sql, [prepared.params(v) for v in values])
        return
    conn.execute(statements.built(shape, build), [dict(v) for v in values])
