"""Parameter filters over executions, and the side table behind them.

`execution_params` holds each execution's indexed parameters (`model/param_filters.py`),
written with the execution in its insert's transaction. On SQLite a parameter filter
walks that table's `(name, value, created_at, execution_id)` index newest first, or the
executions' own indexes with each parameter tested in the row (`param_plan.py` chooses);
on PostgreSQL it is a containment test the GIN index on `executions.params` answers.
Free text is `free_text.py`'s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    cast,
    exists,
    false,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
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
    return [row_test(match, i) for i, match in enumerate(matches)]


def row_test(match: ParamMatch, key: int) -> ColumnElement[bool]:
    """SQLite's test of one parameter on an `executions` row: its JSON read in place when
    every value is plain text (a string is its own canonical text, so a JSON string equal
    to it is exactly what the side table holds), else a look-up in the side table. So is
    a row whose JSON may spell a non-finite number, which SQLite's JSON cannot read.
    SQL text, built per request far cheaper than constructs; `key` (the match's place in
    its filter) keeps its bound names apart from the other matches'."""
    has = (
        f"EXISTS (SELECT 1 FROM execution_params AS p{key} WHERE p{key}.execution_id ="
        f" executions.execution_id AND p{key}.name = :n{key} AND p{key}.value IN :v{key})"
    )
    names: list[BindParameter[Any]] = [
        bindparam(f"n{key}", match.name),
        bindparam(f"v{key}", match.texts(), expanding=True),
    ]
    if not _plain(match):
        return text(has).bindparams(*names).self_group()  # type: ignore[return-value]
    # json_extract gives a string as itself, a number or boolean as a number (never equal
    # to text), a list or object as its JSON, which only a text starting [ or { can equal
    typed = any(text_.startswith(("[", "{")) for text_ in match.texts())
    sql = (
        "CASE WHEN instr(executions.params, 'Infinity') OR instr(executions.params, 'NaN')"
        f" THEN {has} ELSE json_extract(executions.params, :j{key}) IN :v{key}"
        + (f" AND json_type(executions.params, :j{key}) = 'text'" if typed else "")
        + " END"
    )
    path: BindParameter[str] = bindparam(f"j{key}", '$."' + match.name + '"')
    needles = [] if typed else _needles(match.texts())
    if needles:
        seen = " OR ".join(f"instr(executions.params, :s{key}_{i})" for i in range(len(needles)))
        sql = f"({seen}) AND {sql}"
        names += [bindparam(f"s{key}_{i}", n) for i, n in enumerate(needles)]
    return text(sql).bindparams(*names, path).self_group()  # type: ignore[return-value]


def _needles(texts: Sequence[str]) -> list[str]:
    """Each plain value as its JSON string, which a row holding that value contains
    verbatim (its parameters are written by `json.dumps`): a test for `instr` that rules
    out most rows before their JSON is parsed. Empty when a value would be escaped, whose
    spelling another writer may choose differently."""
    spelt = [json.dumps(value) for value in texts]
    return [] if any("\\" in s for s in spelt) else spelt


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
            *where, *chosen.window(t.c.created_at), *(row_test(m, i) for i, m in enumerate(matches))
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
    row += [row_test(m, i) for i, m in enumerate(matches) if m is not first]
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
            .where(
                *where,
                *chosen.window(t.c.created_at),
                *(row_test(m, i) for i, m in enumerate(matches)),
            )
            .limit(limit)
        )
    first = chosen.driver
    return (
        select(t.c.status)
        .select_from(p.join(t, t.c.execution_id == p.c.execution_id))
        .where(p.c.name == first.name, p.c.value.in_(first.texts()))
        .where(*chosen.window(p.c.created_at), *where)
        .where(*(row_test(m, i) for i, m in enumerate(matches) if m is not first))
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
