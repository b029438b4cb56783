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
    Text,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    type_coerce,
    union_all,
)

from runplane.model import Execution
from runplane.model.param_filters import NUMBER, ParamMatch, indexed
from runplane.store import param_plan as plan
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
    return [row_test(match) for match in matches]


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


def row_test(match: ParamMatch) -> ColumnElement[bool]:
    """SQLite's test of one parameter on an `executions` row: its JSON read in place when
    every value is plain text (a string is its own canonical text, so a JSON string equal
    to it is exactly what the side table holds), else a look-up in the side table. So is
    a row whose JSON may spell a non-finite number, which SQLite's JSON cannot read."""
    if not _plain(match):
        return _has(match, t.c.execution_id)
    path = '$."' + match.name + '"'
    document = type_coerce(t.c.params, Text())
    odd = or_(func.instr(document, "Infinity") > 0, func.instr(document, "NaN") > 0)
    in_place = and_(
        func.json_extract(document, path).in_(match.texts()),
        func.json_type(document, path) == "text",
    )
    return case((odd, _has(match, t.c.execution_id)), else_=in_place)


def row_cost(match: ParamMatch) -> float:
    """What `row_test` costs per row, against reading the row (1)."""
    return 0.3 if _plain(match) else plan.SIDE_COST


def _plain(match: ParamMatch) -> bool:
    return not any(NUMBER.match(text) or text in ("true", "false") for text in match.texts())


def keys_query(
    chosen: plan.Plan,
    matches: Sequence[ParamMatch],
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    after: Cursor | None,
) -> Select[Any]:
    """`(execution_id, created_at, status)` newest first, as `chosen` says: walking the
    side table's index for its parameter (one ordered walk per value, merged), the other
    filters tested per row, or walking the executions in the window, testing each."""
    if chosen.empty:
        return select(t.c.execution_id, t.c.created_at, t.c.status).where(false())
    if chosen.driver is None:
        query = select(t.c.execution_id, t.c.created_at, t.c.status).where(
            *where, *chosen.window(t.c.created_at), *(row_test(m) for m in matches)
        )
        if after is not None:
            query = query.where(older_than(after))
        return query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)
    first = chosen.driver
    window = chosen.window(p.c.created_at)
    if after is not None:
        at, execution_id = after
        window.append(
            tuple_(p.c.created_at, p.c.execution_id)
            < tuple_(literal(at, UTCDateTime()), literal(execution_id, p.c.execution_id.type))
        )
    row = [t.c.execution_id == p.c.execution_id, *where]
    row += [row_test(match) for match in matches if match is not first]
    status = select(t.c.status).where(*row).scalar_subquery()
    walks = [
        select(p.c.execution_id, p.c.created_at, status.label("status"))
        .where(p.c.name == first.name, p.c.value == value, *window, exists().where(*row))
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
    chosen: plan.Plan,
    matches: Sequence[ParamMatch],
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
) -> Select[Any]:
    """The status of up to `limit` executions the filter matches, in any order, walking
    what `chosen` says (SQLite's bounded count)."""
    if chosen.empty:
        return select(t.c.status).where(false())
    if chosen.driver is None:
        return (
            select(t.c.status)
            .where(*where, *chosen.window(t.c.created_at), *(row_test(m) for m in matches))
            .limit(limit)
        )
    first = chosen.driver
    return (
        select(t.c.status)
        .select_from(p.join(t, t.c.execution_id == p.c.execution_id))
        .where(p.c.name == first.name, p.c.value.in_(first.texts()))
        .where(*chosen.window(p.c.created_at), *where)
        .where(*(row_test(match) for match in matches if match is not first))
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
