"""One page of the executions list, newest first, with the counts by status the filter bar
shows (cached briefly per filter, by `list_caches`). The API and the dashboard read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from runplane.model import Execution, ExecutionStatus
from runplane.model.clock import Clock, utcnow
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.reads_beside import read_beside
from runplane.views.list_caches import CountCache, FinishedCache
from runplane.views.list_query import (
    DEFAULT_LIMIT,
    ListFilters,
    UnknownFilterValue,
    decode_cursor,
    encode_cursor,
)
from runplane.views.resolution import list_resolved_by

COUNT_CAP = 1000
"""Executions a filter on parameters or free text counts before it says "1,000+"."""


@dataclass(frozen=True)
class ExecutionPage:
    """One page of the list, newest first, with what the filter bar needs."""

    items: list[Execution]
    next_cursor: str | None
    has_more: bool
    counts: dict[ExecutionStatus, int]
    filters: ListFilters
    now: datetime
    resolved_by: dict[str, str] = field(default_factory=dict)
    """For the page's failed or cancelled executions a later attempt made good, its id."""
    capped: bool = False
    """More than `COUNT_CAP` executions match a filter on parameters or free text: the
    counts are of the first `COUNT_CAP` only, lower bounds ("1,000+")."""

    @property
    def total(self) -> int:
        """Executions matching the filter (from the counts, so it may lag up to 2 s)."""
        return sum(self.counts.values())


def list_page(
    db: Database,
    filters: ListFilters,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    counts: CountCache | None = None,
    finished: FinishedCache | None = None,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
) -> ExecutionPage:
    """A page of executions newest first, continuing after `cursor`, with counts by status.

    The counts cover the same filter (zero for statuses it excludes), one indexed count
    per status, reused from `counts` when computed less than its ttl ago; a filter on
    parameters or free text is counted row by row up to `COUNT_CAP`, on a connection of its
    own while the rows are read (`reads_beside`). Rows come from
    `finished` when it holds them. Raises `ListingError` for a malformed cursor or a
    pipeline that neither exists nor ran.
    """
    after = decode_cursor(cursor)
    now = clock()
    query = filters.to_store(now)
    cached = None if counts is None or filters.narrowed else counts.get(filters.cache_key())
    capped = False
    with db.read() as conn:
        check_pipelines(conn, filters.pipelines, registry)
        query = store.prepare(conn, query)
        plan = store.plan_filter(conn, query)
        counting = (
            read_beside(
                db, partial(store.count_matching, filter=query, cap=COUNT_CAP, plan=plan), here=conn
            )
            if filters.narrowed
            else None
        )
        keys = store.list_execution_keys(conn, query, limit=limit + 1, after=after, plan=plan)
        known = {} if finished is None else _known(finished, keys)
        fetched = store.list_executions_by_id(conn, [k[0] for k in keys if k[0] not in known])
        if counting is None:
            by_status = cached if cached is not None else store.count_by_status(conn, query)
        rows = [known.get(key[0]) or fetched[key[0]] for key in keys[:limit]]
        resolved_by = list_resolved_by(conn, rows)
    if counting is not None:
        by_status, capped = counting.result()
    if cached is None and counts is not None and not filters.narrowed:
        counts.put(filters.cache_key(), by_status)
    rows = [known.get(key[0]) or fetched[key[0]] for key in keys]
    if finished is not None:
        for execution in fetched.values():
            finished.put(execution)
    has_more = len(rows) > limit
    items = rows[:limit]
    return ExecutionPage(
        items=items,
        next_cursor=encode_cursor(items[-1]) if has_more else None,
        has_more=has_more,
        counts=dict(by_status),
        filters=filters,
        now=now,
        resolved_by=resolved_by,
        capped=capped,
    )


def _known(
    finished: FinishedCache, keys: list[tuple[str, datetime, ExecutionStatus]]
) -> dict[str, Execution]:
    found = {}
    for execution_id, _created, status in keys:
        if status.is_final and (execution := finished.get(execution_id)) is not None:
            found[execution_id] = execution
    return found


def check_pipelines(conn: Any, names: Iterable[str], registry: Registry) -> None:
    """Registered names pass; an unregistered one passes only if it has executions."""
    known = set(registry.names())
    for name in names:
        if name not in known and store.find_last_execution(conn, name) is None:
            hint = ", ".join(sorted(known)) if len(known) <= 12 else "see GET /v1/pipelines"
            raise UnknownFilterValue(
                "pipeline", f"no pipeline named {name!r} is registered or has run ({hint})"
            )
