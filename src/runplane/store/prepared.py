"""Statements the list runs on every request, compiled once per shape and run as driver SQL.

A Core statement costs a few hundred microseconds of Python per execution on SQLite
(cache key, execution context, row objects) for a query that itself takes tens: the list
page runs three of them. Here the statement is still built with Core, from the tables,
and compiled by the connection's dialect once per shape (which filters, how many values
in each `IN`); each call then converts its values with the columns' own bind and result
processors and runs the SQL through `exec_driver_sql`, so errors are wrapped and
connection events fire exactly as for any other statement.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Select

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

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The result rows as tuples of Python values, in the select's column order."""
        given = {**self.defaults, **values}
        params = tuple(
            given[name] if convert is None else convert(given[name])
            for name, convert in zip(self.names, self.binds, strict=True)
        )
        raw: list[Any] = list(conn.exec_driver_sql(self.sql, params).cursor.fetchall())
        converting = [(i, f) for i, f in enumerate(self.results) if f is not None]
        if not converting:
            return raw
        rows = []
        for found in raw:
            row = list(found)
            for i, convert in converting:
                if row[i] is not None:
                    row[i] = convert(row[i])
            rows.append(tuple(row))
        return rows


def _compile(dialect: Dialect, statement: Select[Any]) -> Prepared:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    binds = tuple(
        compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
    )
    selected = list(statement.selected_columns)
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
        self._compiled: dict[tuple[str, Hashable], Prepared] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, conn: Connection, shape: Hashable, build: Callable[[], Select[Any]]) -> Prepared:
        """The statement `build` makes for `shape`, compiled for `conn`'s dialect."""
        key = (conn.dialect.name, shape)
        found = self._compiled.get(key)
        if found is None:
            found = _compile(conn.dialect, build())
            with self._lock:
                if len(self._compiled) >= self._max:
                    self._compiled.clear()
                self._compiled[key] = found
        return found


statements = Statements()
