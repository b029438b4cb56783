"""The list's reads of `executions` as prepared statements (`prepared.py`) on SQLite: newest
first by `(created_at, execution_id)` for the filters the hourly counts answer (no
parameters, no free text), and rows by id; the same tests as `ExecutionFilter.where` and
`older_than`, with every value a bound parameter so one shape compiles once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, select, tuple_

from runplane.store import prepared
from runplane.store.execution_params import Cursor
from runplane.store.tables import executions as t

if TYPE_CHECKING:
    from runplane.store.executions import ExecutionFilter


def newest_first(
    conn: Connection,
    filter: ExecutionFilter,
    *,
    limit: int,
    after: Cursor | None,
    whole: bool = False,
) -> list[dict[str, Any]]:
    """`execution_id`, `created_at` and `status` (`whole`: every column) of the rows the
    filter keeps, newest first, after `after`."""
    lists = {
        "status": (t.c.status, sorted(str(s) for s in filter.statuses)),
        "pipeline": (t.c.pipeline, sorted(filter.pipelines)),
        "trigger": (t.c.trigger, sorted(str(x) for x in filter.triggers)),
        "sla_state": (t.c.sla_state, sorted(filter.sla_states)),
    }
    values: dict[str, Any] = {
        f"{name}_{i}": value for name, (_, given) in lists.items() for i, value in enumerate(given)
    }
    bounds = {"since": filter.since, "until": filter.until}
    values |= {name: at for name, at in bounds.items() if at is not None}
    if after is not None:
        values |= {"after_at": after[0], "after_id": after[1]}
    shape = (
        "rows" if whole else "keys", limit, after is not None,
        *(len(given) for _, given in lists.values()), *(at is not None for at in bounds.values()),
    )  # fmt: skip

    def build() -> Select[Any]:
        clauses: list[ColumnElement[bool]] = [
            column.in_([bindparam(f"{name}_{i}") for i in range(len(given))])
            for name, (column, given) in lists.items()
            if given
        ]
        created = t.c.created_at
        if filter.since is not None:
            clauses.append(created >= bindparam("since", type_=created.type))
        if filter.until is not None:
            clauses.append(created < bindparam("until", type_=created.type))
        if after is not None:
            clauses.append(
                tuple_(created, t.c.execution_id)
                < tuple_(bindparam("after_at", type_=created.type), bindparam("after_id"))
            )
        columns = list(t.c) if whole else [t.c.execution_id, created, t.c.status]
        query = select(*columns).where(*clauses)
        return query.order_by(created.desc(), t.c.execution_id.desc()).limit(limit)

    return _mappings(conn, prepared.statements.get(conn, shape, build), values)


def by_ids(conn: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every column of the rows with these ids (any order)."""

    def build() -> Select[Any]:
        return select(t).where(
            t.c.execution_id.in_([bindparam(f"id_{i}") for i in range(len(ids))])
        )

    statement = prepared.statements.get(conn, ("by_id", len(ids)), build)
    return _mappings(conn, statement, {f"id_{i}": value for i, value in enumerate(ids)})


def _mappings(
    conn: Connection, statement: prepared.Prepared, values: dict[str, Any]
) -> list[dict[str, Any]]:
    names = statement.columns
    return [dict(zip(names, row, strict=True)) for row in statement.rows(conn, values)]
