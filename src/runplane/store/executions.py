"""Execution rows: insert, look up, list newest first, count, and compare-and-set.

Every status change goes through `update_status`, which writes only if the row is still
in the expected status, so executors, cancel requests and monitors can race safely.
What executors ask of pending work is in `queue.py`; failure questions in `failures.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Update,
    bindparam,
    case,
    func,
    literal_column,
    select,
    union_all,
    update,
)

from runplane.model import (
    Execution,
    ExecutionStatus,
    Trigger,
    check_transition,
)
from runplane.model.param_filters import ParamMatch
from runplane.store import counts, free_text, list_statements, param_plan, prepared
from runplane.store import execution_params as params
from runplane.store.errors import AmbiguousId, NotFound
from runplane.store.execution_params import Cursor as Cursor
from runplane.store.execution_params import older_than as older_than
from runplane.store.execution_rows import from_mapping, from_row, to_row
from runplane.store.tables import executions as t


@dataclass(frozen=True)
class ExecutionFilter:
    """What the executions page and API narrow a list by; empty collections mean "all"."""

    statuses: frozenset[ExecutionStatus] = frozenset()
    pipelines: frozenset[str] = frozenset()
    triggers: frozenset[Trigger] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    sla_states: frozenset[str] = frozenset()
    params: tuple[ParamMatch, ...] = ()
    search: str | None = None
    search_terms: free_text.SearchTerms | None = None
    """What `search` can match, from the indexes (`prepare`); None: tested row by row."""

    @property
    def narrowed(self) -> bool:
        """Filters on parameters, free text or SLA standing, which the hourly counts cannot
        answer."""
        return bool(self.params) or self.search is not None or bool(self.sla_states)

    def where(self, dialect: str) -> list[ColumnElement[bool]]:
        """The test on `executions` rows (parameters differ per backend: `execution_params`)."""
        clauses = params.param_clauses(dialect, self.params) if self.params else []
        if self.search is not None:
            clauses.append(free_text.clause(self.search, self.search_terms))
        if self.statuses:
            clauses.append(t.c.status.in_(sorted(self.statuses)))
        if self.pipelines:
            clauses.append(t.c.pipeline.in_(sorted(self.pipelines)))
        if self.triggers:
            clauses.append(t.c.trigger.in_(sorted(self.triggers)))
        if self.since is not None:
            clauses.append(t.c.created_at >= self.since)
        if self.until is not None:
            clauses.append(t.c.created_at < self.until)
        if self.sla_states:
            clauses.append(t.c.sla_state.in_(sorted(self.sla_states)))
        return clauses


def prepare(conn: Connection, filter: ExecutionFilter) -> ExecutionFilter:
    """The filter with its free text resolved against the indexes (`free_text.resolve`),
    once for a page's rows and count."""
    if filter.search is None or filter.search_terms is not None:
        return filter
    return replace(filter, search_terms=free_text.resolve(conn, filter.search))


def insert_execution(conn: Connection, execution: Execution) -> None:
    prepared.insert(conn, t, to_row(execution))
    params.insert_params(conn, execution)
    counts.note(
        conn, created_at=execution.created_at, pipeline=execution.pipeline,
        trigger=execution.trigger, status=execution.status,
        cost=execution.cost_amount, cpu_seconds=execution.cpu_seconds,
    )  # fmt: skip


def find_execution(conn: Connection, execution_id: str) -> Execution | None:
    if conn.dialect.name == "sqlite":  # the runner's and the detail's first read: prepared
        found = list_statements.by_ids(conn, [execution_id])
        return from_mapping(found[0]) if found else None
    row = conn.execute(select(t).where(t.c.execution_id == execution_id)).first()
    return None if row is None else from_row(row)


def get_execution(conn: Connection, execution_id: str) -> Execution:
    execution = find_execution(conn, execution_id)
    if execution is None:
        raise NotFound(f"no execution with id {execution_id!r}")
    return execution


MIN_ID_PREFIX = 6
"""The shortest id prefix that names an execution (the dashboard shows 8 characters)."""
_CANDIDATES = 10


def resolve_execution_id(conn: Connection, text: str) -> str:
    """The id of the execution `text` names: its whole id, or a prefix of 6+ characters
    that only its id starts with (`45934f8b`). Raises `NotFound`, or `AmbiguousId` naming
    some of the executions a shared prefix fits."""
    if find_execution(conn, text) is not None:
        return text
    if len(text) < MIN_ID_PREFIX:
        hint = f" (an id prefix needs at least {MIN_ID_PREFIX} characters)" if text else ""
        raise NotFound(f"no execution with id {text!r}{hint}")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        select(t.c.execution_id)
        .where(t.c.execution_id.like(escaped + "%", escape="\\"))
        .order_by(t.c.execution_id)
        .limit(_CANDIDATES * 5)
    ).scalars()
    found = [str(i) for i in rows if str(i).startswith(text)]  # LIKE ignores case on SQLite
    if not found:
        raise NotFound(f"no execution with id {text!r} or an id starting with it")
    if len(found) > 1:
        shown = ", ".join(found[:_CANDIDATES]) + (", …" if len(found) > _CANDIDATES else "")
        count = f"{len(found)}" if len(found) <= _CANDIDATES else f"more than {_CANDIDATES}"
        raise AmbiguousId(
            f"the id prefix {text!r} fits {count} executions ({shown}); give more characters",
            found[:_CANDIDATES],
        )
    return found[0]


def list_executions(
    conn: Connection,
    filter: ExecutionFilter = ExecutionFilter(),
    *,
    limit: int = 50,
    after: Cursor | None = None,
) -> list[Execution]:
    """Newest first by `(created_at, execution_id)`; `after` continues from a previous page."""
    filter = prepare(conn, filter)
    if filter.params and conn.dialect.name == "sqlite":  # walked on the side table first
        keys = list_execution_keys(conn, filter, limit=limit, after=after)
        found = list_executions_by_id(conn, [key[0] for key in keys])
        return [found[key[0]] for key in keys]
    if conn.dialect.name == "sqlite" and filter.search is None:
        rows = list_statements.newest_first(conn, filter, limit=limit, after=after, whole=True)
        return [from_mapping(row) for row in rows]
    query = select(t).where(*filter.where(conn.dialect.name))
    if after is not None:
        query = query.where(older_than(after))
    query = query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)
    return [from_row(row) for row in conn.execute(query).all()]


def list_execution_keys(
    conn: Connection,
    filter: ExecutionFilter = ExecutionFilter(),
    *,
    limit: int = 50,
    after: Cursor | None = None,
    plan: param_plan.Plan | None = None,
) -> list[tuple[str, datetime, ExecutionStatus]]:
    """Like `list_executions`, but only `(execution_id, created_at, status)` of each row;
    `plan` is `plan_filter`'s, when the caller has it."""
    if conn.dialect.name == "sqlite" and not (filter.params or filter.search is not None):
        keys = list_statements.newest_first(conn, filter, limit=limit, after=after)
        return [(k["execution_id"], k["created_at"], ExecutionStatus(k["status"])) for k in keys]
    query = _keys_query(conn, filter, limit=limit, after=after, plan=plan)
    return [(row[0], row[1], ExecutionStatus(row[2])) for row in conn.execute(query).all()]


def _keys_query(
    conn: Connection,
    filter: ExecutionFilter,
    *,
    limit: int,
    after: Cursor | None = None,
    plan: param_plan.Plan | None = None,
) -> Select[Any]:
    dialect = conn.dialect.name
    filter = prepare(conn, filter)
    if filter.params and dialect == "sqlite":
        chosen = plan or plan_filter(conn, filter)
        assert chosen is not None
        return params.keys_query(
            chosen, chosen.order or filter.params, _rest(filter), limit=limit, after=after
        )
    query = select(t.c.execution_id, t.c.created_at, t.c.status).where(*filter.where(dialect))
    if after is not None:
        query = query.where(older_than(after))
    return query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)


def list_executions_by_id(conn: Connection, ids: Collection[str]) -> dict[str, Execution]:
    if not ids:
        return {}
    if conn.dialect.name == "sqlite":
        found = list_statements.by_ids(conn, sorted(ids))
        return {row["execution_id"]: from_mapping(row) for row in found}
    rows = conn.execute(select(t).where(t.c.execution_id.in_(sorted(ids)))).all()
    return {row.execution_id: from_row(row) for row in rows}


def count_by_status(
    conn: Connection, filter: ExecutionFilter = ExecutionFilter()
) -> dict[ExecutionStatus, int]:
    """Executions per status within the filter (zero for the statuses it excludes), from
    the hourly counts: for a filter on parameters or free text use `count_matching`."""
    assert not filter.narrowed, "the hourly counts know no parameters: use count_matching"
    wanted = [s for s in ExecutionStatus if not filter.statuses or s in filter.statuses]
    totals = dict.fromkeys(ExecutionStatus, 0)
    totals.update(
        counts.count_statuses(
            conn, wanted, pipelines=filter.pipelines, triggers=filter.triggers,
            since=filter.since, until=filter.until,
        )
    )  # fmt: skip
    return totals


def count_matching(
    conn: Connection, filter: ExecutionFilter, *, cap: int, plan: param_plan.Plan | None = None
) -> tuple[dict[ExecutionStatus, int], bool]:
    """Executions per status counted row by row, up to `cap` of them, and whether the cap
    was reached (each count is then a lower bound): for filters the hourly counts cannot
    answer, so a page says "1,000+" rather than scan a million rows."""
    dialect = conn.dialect.name
    filter = prepare(conn, filter)
    if filter.params and dialect == "sqlite":
        chosen = plan or plan_filter(conn, filter)
        assert chosen is not None
        query = params.statuses_query(
            chosen, chosen.order or filter.params, _rest(filter), limit=cap
        )
    else:
        query = select(t.c.status).where(*filter.where(dialect)).limit(cap)
    found = query.subquery()  # summed in one row: no sort, no thousand rows fetched
    row = conn.execute(select(*_SUMS).select_from(found)).one()
    totals = dict(zip(ExecutionStatus, row, strict=True))
    return totals, sum(totals.values()) >= cap


_SUMS = [
    func.coalesce(func.sum(case((literal_column("status") == str(s), 1))), 0)
    for s in ExecutionStatus
]
"""Per status, the rows of a subquery with a `status` column (built once: every count
of a narrowed list uses them)."""


def plan_filter(conn: Connection, filter: ExecutionFilter) -> param_plan.Plan | None:
    """How SQLite walks a filter on parameters (`param_plan`), None for any other filter
    or backend: computed once for a page's rows and its count."""
    if not filter.params or conn.dialect.name != "sqlite":
        return None
    rows = param_plan.RowFilters(
        statuses=sorted(filter.statuses), pipelines=sorted(filter.pipelines),
        triggers=sorted(filter.triggers), sla_states=sorted(filter.sla_states),
    )  # fmt: skip
    return param_plan.plan(
        conn, filter.params, rows, since=filter.since, until=filter.until,
        row_costs=[params.row_cost(match) for match in filter.params],
    )  # fmt: skip


def _rest(filter: ExecutionFilter) -> list[ColumnElement[bool]]:
    """A parameter filter's other tests on a row (its window is the plan's)."""
    return replace(filter, params=(), since=None, until=None).where("sqlite")


def update_status(
    conn: Connection,
    execution_id: str,
    expected: ExecutionStatus,
    new: ExecutionStatus,
    *,
    require_no_cancel: bool = False,
    **values: Any,
) -> bool:
    """Compare-and-set: move to `new` only if still `expected`; returns whether it moved.

    With `require_no_cancel` the move also needs no pending cancel request, which is how
    a run's final publish can never follow a cancel.
    """
    check_transition(expected, new)
    names = ("status", *sorted(values))
    given = {f"v_{name}": value for name, value in values.items()}
    given |= {"v_status": str(new), "w_id": execution_id, "w_status": str(expected)}
    shape = ("update_status", require_no_cancel, names)
    _, moved = prepared.execute(
        conn, shape, lambda: _update_status(names, require_no_cancel=require_no_cancel), given
    )
    if not moved:
        return False
    created_at, pipeline, trigger = moved[0]
    counts.note(
        conn, created_at=created_at, pipeline=pipeline, trigger=trigger, status=new,
        cost=values.get("cost_amount"), cpu_seconds=values.get("cpu_seconds"),
    )  # fmt: skip
    return True


def _update_status(names: Sequence[str], *, require_no_cancel: bool) -> Update:
    where = [t.c.execution_id == bindparam("w_id"), t.c.status == bindparam("w_status")]
    if require_no_cancel:
        where.append(t.c.cancel_requested_at.is_(None))
    return (
        update(t)
        .where(*where)
        .values(prepared.bound(t, names, prefix="v_"))
        .returning(t.c.created_at, t.c.pipeline, t.c.trigger)
    )


def update_execution(conn: Connection, execution_id: str, **values: Any) -> None:
    """Write fields that are not a status (progress, process id); never the status."""
    assert "status" not in values, "status changes go through update_status"
    conn.execute(update(t).where(t.c.execution_id == execution_id).values(**values))


def request_cancel(
    conn: Connection, execution_id: str, *, by: str, at: datetime, kill_after: datetime
) -> bool:
    """Record a cancel request on a running execution; False if it is not running."""
    result = conn.execute(
        update(t)
        .where(t.c.execution_id == execution_id, t.c.status == str(ExecutionStatus.RUNNING))
        .values(
            cancel_requested_at=func.coalesce(t.c.cancel_requested_at, at),
            cancel_requested_by=func.coalesce(t.c.cancel_requested_by, by),
            kill_after=kill_after,
        )
    )
    return result.rowcount == 1


def list_last_executions(conn: Connection, pipelines: Collection[str]) -> dict[str, Execution]:
    """The newest execution of each pipeline that ever ran, in one statement: a union of
    one indexed newest-first look-up per pipeline (a GROUP BY would scan every row)."""
    names = sorted(set(pipelines))
    if not names:
        return {}
    newest = [
        select(t.c.execution_id)
        .where(t.c.pipeline == name)
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
        .subquery()
        .select()
        for name in names
    ]
    ids = union_all(*newest).subquery()
    rows = conn.execute(select(t).where(t.c.execution_id.in_(select(ids.c.execution_id))))
    return {row.pipeline: from_row(row) for row in rows}


def find_last_execution(conn: Connection, pipeline: str) -> Execution | None:
    """The newest execution of a pipeline, if it ever ran."""
    row = conn.execute(
        select(t)
        .where(t.c.pipeline == pipeline)
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
    ).first()
    return None if row is None else from_row(row)


def list_children(conn: Connection, parent_id: str) -> list[Execution]:
    query = select(t).where(t.c.parent_id == parent_id).order_by(t.c.created_at, t.c.execution_id)
    return [from_row(row) for row in conn.execute(query)]


def list_statuses(conn: Connection, ids: Iterable[str]) -> dict[str, ExecutionStatus]:
    rows = conn.execute(select(t.c.execution_id, t.c.status).where(t.c.execution_id.in_(list(ids))))
    return {row[0]: ExecutionStatus(row[1]) for row in rows}
