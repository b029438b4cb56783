"""A window onto an execution's log: lines after, before or around a line number, or the last
ones, filtered by level and text over the whole log. The API's log pages and the
dashboard's log view both read it, with one set of field names (the API's).

    GET /v1/executions/{id}/logs?after=500&limit=500&level=ERROR&search=timeout
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from runplane.model import LOG_LEVELS, Execution, LogLine
from runplane.model.json import iso
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.views.list_query import ListingError

DEFAULT_LIMIT = 500
"""A first screenful, fast; the dashboard keeps about 1,000 lines in its page."""
MAX_LIMIT = 5000
MAX_SEQ = 2**63 - 1
"""The largest line number a database parameter can carry."""
AROUND_CONTEXT = 20
"""Lines shown above the one a window is opened around (e.g. the first error)."""
MAX_SEARCH = 200


@dataclass(frozen=True)
class LogQuery:
    """Which lines to read: after `after` (default), before `before`, around `around`, or the
    last ones (`tail`); only `levels` and lines containing `search` (any case)."""

    after: int = 0
    before: int | None = None
    around: int | None = None
    tail: bool = False
    limit: int = DEFAULT_LIMIT
    levels: tuple[str, ...] = ()
    search: str | None = None


@dataclass(frozen=True)
class LogWindow:
    execution: Execution
    lines: list[LogLine]
    has_before: bool
    """More matching lines lie before the first one here."""
    has_after: bool
    """More matching lines lie after the last one here."""
    total_lines: int
    first_error_seq: int | None
    after: int
    """Where the window started, when it read forwards (for `next_after` of an empty page)."""


def parse_log_query(
    *,
    after: str | None = None,
    before: str | None = None,
    around: str | None = None,
    tail: bool = False,
    limit: str | None = None,
    levels: Sequence[str] = (),
    search: str | None = None,
) -> LogQuery:
    """Validate raw query values; raises `ListingError` naming the one at fault."""
    chosen = []
    for raw in levels:
        value = raw.strip().upper()
        if value and value not in LOG_LEVELS:
            raise ListingError(
                "level", f"unknown log level {raw!r}; use one of {', '.join(LOG_LEVELS)}"
            )
        if value:
            chosen.append(value)
    text = (search or "").strip()
    if "\x00" in text:
        raise ListingError("search", "search must not contain NUL characters")
    if len(text) > MAX_SEARCH:
        raise ListingError("search", f"search is at most {MAX_SEARCH} characters")
    return LogQuery(
        after=_number("after", after, 0, MAX_SEQ) or 0,
        before=_number("before", before, 1, MAX_SEQ),
        around=_number("around", around, 0, MAX_SEQ),
        tail=tail,
        limit=_number("limit", limit, 1, MAX_LIMIT) or DEFAULT_LIMIT,
        levels=tuple(dict.fromkeys(chosen)),
        search=text or None,
    )


def read_log_window(conn: Connection, execution_id: str, query: LogQuery) -> LogWindow:
    """The lines `query` asks for, and whether more matching lines lie either side.

    Raises `NotFound` for an unknown execution.
    """
    execution = store.get_execution(conn, execution_id)
    filters: dict[str, Any] = {"levels": query.levels, "search": query.search}
    limit = query.limit
    after = query.after
    if query.tail or query.before is not None:
        before = MAX_SEQ if query.tail or query.before is None else query.before
        lines = log_store.list_log_lines_before(
            conn, execution_id, before=before, limit=limit + 1, **filters
        )
        has_before = len(lines) > limit
        lines = lines[-limit:] if has_before else lines
        has_after = not query.tail and bool(
            log_store.list_log_lines(conn, execution_id, after=before - 1, limit=1, **filters)
        )
    else:
        if query.around is not None:
            after = max(0, query.around - AROUND_CONTEXT)
        lines = log_store.list_log_lines(
            conn, execution_id, after=after, limit=limit + 1, **filters
        )
        has_after = len(lines) > limit
        lines = lines[:limit]
        has_before = after > 0 and bool(
            log_store.list_log_lines_before(
                conn, execution_id, before=min(after, MAX_SEQ - 1) + 1, limit=1, **filters
            )
        )
    return LogWindow(
        execution=execution,
        lines=lines,
        has_before=has_before,
        has_after=has_after,
        total_lines=log_store.count_log_lines(conn, execution_id),
        first_error_seq=log_store.find_first_error_seq(conn, execution_id),
        after=after,
    )


def window_json(window: LogWindow, *, both_ways: bool = False) -> dict[str, Any]:
    """The published log page (`LogPage`); `both_ways` adds `has_before`, which the
    dashboard's scrolling view needs."""
    body = {
        "execution_id": window.execution.execution_id,
        "status": str(window.execution.status),
        "finished": window.execution.status.is_final,
        "lines": [line_json(line) for line in window.lines],
        "next_after": window.lines[-1].seq if window.lines else window.after,
        "has_more": window.has_after,
        "total_lines": window.total_lines,
        "first_error_seq": window.first_error_seq,
    }
    if both_ways:
        body["has_before"] = window.has_before
    return body


def line_json(line: LogLine) -> dict[str, Any]:
    return {"seq": line.seq, "at": iso(line.at), "level": line.level, "message": line.message}


def _number(param: str, value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise ListingError(param, f"{param} {value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ListingError(param, f"{param} must be between {low} and {high} (got {number})")
    return number
