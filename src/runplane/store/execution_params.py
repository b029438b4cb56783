"""Parameter filters and free-text search over executions, and the side table behind them.

`execution_params` holds each execution's indexed parameters (`model/param_filters.py`),
written with the execution in its insert's transaction. On SQLite a parameter filter
walks that table's `(name, value, created_at, execution_id)` index newest first; on
PostgreSQL it is a containment test the GIN index on `executions.params` answers. Free
text (an id prefix, a pipeline name, a parameter value's prefix) is a test per row on
both backends, so it narrows whatever index the other filters use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)

from runplane.model import Execution
from runplane.model.param_filters import ParamMatch, indexed
from runplane.store.tables import execution_params as p
from runplane.store.tables import executions as t
from runplane.store.types import UTCDateTime

Cursor = tuple[datetime, str]
"""A keyset position: the `(created_at, execution_id)` of the last row seen."""


def older_than(position: Cursor) -> ColumnElement[bool]:
    """Rows before `position` in list order (newest first): the keyset clause."""
    at, execution_id = position
    return tuple_(t.c.created_at, t.c.execution_id) < tuple_(
        literal(at, UTCDateTime()), literal(execution_id, t.c.execution_id.type)
    )


def insert_params(conn: Connection, execution: Execution) -> None:
    """Index an execution's parameters (one statement; nothing when none is indexed)."""
    rows = [
        {"execution_id": execution.execution_id, "name": name, "value": text,
         "created_at": execution.created_at}
        for name, text in indexed(execution.params)
    ]  # fmt: skip
    if rows:
        conn.execute(insert(p), rows)


def param_clauses(dialect: str, matches: Sequence[ParamMatch]) -> list[ColumnElement[bool]]:
    """One test per parameter name on `executions` rows (the names AND, a name's values OR)."""
    if dialect == "postgresql":
        return [_contains(match) for match in matches]
    return [_has(match, t.c.execution_id) for match in matches]


def search_clause(text: str) -> ColumnElement[bool]:
    """Free text: an id starting with it, a pipeline name containing it, or a parameter
    value starting with it (all ignoring case)."""
    pattern = _escape(text.lower())
    other = p.alias()
    return or_(
        t.c.execution_id.like(pattern + "%", escape="\\"),
        t.c.pipeline.like("%" + pattern + "%", escape="\\"),
        exists().where(
            other.c.execution_id == t.c.execution_id,
            func.lower(other.c.value).like(pattern + "%", escape="\\"),
        ),
    )


def keys_query(
    matches: Sequence[ParamMatch],
    where: Sequence[ColumnElement[bool]],
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    after: Cursor | None,
) -> Select[Any]:
    """`(execution_id, created_at, status)` newest first, walking the side table's index
    for the first parameter (one ordered walk per value, merged), the other filters
    tested per row: what SQLite answers a parameter filter with, whatever the planner
    would guess without statistics."""
    first, rest = matches[0], matches[1:]
    window = [p.c.created_at >= since] if since is not None else []
    window += [p.c.created_at < until] if until is not None else []
    if after is not None:
        at, execution_id = after
        window.append(
            tuple_(p.c.created_at, p.c.execution_id)
            < tuple_(literal(at, UTCDateTime()), literal(execution_id, p.c.execution_id.type))
        )
    row = [t.c.execution_id == p.c.execution_id, *where]
    status = select(t.c.status).where(*row).scalar_subquery()
    walks = [
        select(p.c.execution_id, p.c.created_at, status.label("status"))
        .where(p.c.name == first.name, p.c.value == value, *window)
        .where(exists().where(*row), *(_has(match, p.c.execution_id) for match in rest))
        .order_by(p.c.created_at.desc(), p.c.execution_id.desc())
        .limit(limit)
        for value in first.texts()
    ]
    if len(walks) == 1:
        return walks[0]
    merged = union_all(*(walk.subquery().select() for walk in walks)).subquery()
    return (
        select(merged.c.execution_id, merged.c.created_at, merged.c.status)
        .order_by(merged.c.created_at.desc(), merged.c.execution_id.desc())
        .limit(limit)
    )


def statuses_query(
    matches: Sequence[ParamMatch],
    where: Sequence[ColumnElement[bool]],
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> Select[Any]:
    """The status of up to `limit` executions the filter matches, in any order: the side
    table joined to each row once (SQLite's bounded count)."""
    first, rest = matches[0], matches[1:]
    window = [p.c.created_at >= since] if since is not None else []
    window += [p.c.created_at < until] if until is not None else []
    return (
        select(t.c.status)
        .select_from(p.join(t, t.c.execution_id == p.c.execution_id))
        .where(p.c.name == first.name, p.c.value.in_(first.texts()), *window, *where)
        .where(*(_has(match, p.c.execution_id) for match in rest))
        .limit(limit)
    )


def _has(match: ParamMatch, execution_id: ColumnElement[str]) -> ColumnElement[bool]:
    other = p.alias()
    return exists().where(
        other.c.execution_id == execution_id,
        other.c.name == match.name,
        other.c.value.in_(match.texts()),
    )


def _contains(match: ParamMatch) -> ColumnElement[bool]:
    from sqlalchemy.dialects.postgresql import JSONB  # only ever on PostgreSQL

    tests = [
        t.c.params.op("@>")(cast(literal(json.dumps({match.name: value})), JSONB))
        for value in match.json_values()
    ]
    return or_(*tests) if len(tests) > 1 else and_(tests[0])


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
