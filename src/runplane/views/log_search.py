"""Search across every log: the executions whose log has a matching line, newest first, each
with its first matching lines and a neighbour either side, in keyset pages. The API, the
dashboard's search page and `runplane logs search` read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runplane.model import LOG_LEVELS, Execution, LogLine
from runplane.model.clock import Clock, utcnow
from runplane.model.json import execution_json
from runplane.model.log_query import LogQueryError, LogSearch, parse_log_search
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import log_search as search_store
from runplane.views.list_query import (
    ListFilters,
    ListingError,
    decode_cursor,
    encode_cursor,
    parse_filters,
)
from runplane.views.log_window import line_json

DEFAULT_RANGE = "7d"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
LINES_PER_EXECUTION = 5
NEIGHBOURS = 1


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: the parsed query, the list's filters and the levels asked for."""

    text: str
    search: LogSearch
    filters: ListFilters
    levels: tuple[str, ...]
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def query_params(self) -> list[tuple[str, str]]:
        """Query parameters that reproduce this search (without the cursor), for links."""
        params = [("q", self.text)]
        params += [p for p in self.filters.query_params() if p[0] != "range"]
        if self.filters.range not in (None, DEFAULT_RANGE):
            params.append(("range", self.filters.range))
        params += [("level", v.lower()) for v in self.levels]
        return params + ([("limit", str(self.limit))] if self.limit != DEFAULT_LIMIT else [])


@dataclass(frozen=True)
class ShownLine:
    line: LogLine
    match: bool


@dataclass(frozen=True)
class ExecutionMatches:
    """One execution with lines that match: the first few, with their neighbours."""

    execution: Execution
    matches: int
    lines: list[ShownLine]

    @property
    def more(self) -> int:
        """Matching lines not shown."""
        return self.matches - sum(1 for s in self.lines if s.match)


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    items: list[ExecutionMatches]
    next_cursor: str | None
    has_more: bool
    now: datetime


def parse_search(
    *,
    q: str | None,
    status: Sequence[str] = (),
    pipeline: Sequence[str] = (),
    range: str | None = None,
    level: Sequence[str] = (),
    limit: str | int | None = None,
    cursor: str | None = None,
) -> SearchRequest:
    """Validate raw values; raises `ListingError` naming the parameter (`q` for the query)."""
    text = q or ""
    try:
        search = parse_log_search(text)
    except LogQueryError as exc:
        raise ListingError("q", str(exc)) from None
    filters = parse_filters(status=status, pipeline=pipeline, range=range or DEFAULT_RANGE)
    decode_cursor(cursor)
    return SearchRequest(
        text=text.strip(),
        search=search,
        filters=filters,
        levels=_levels(level, search.levels),
        limit=_limit(limit),
        cursor=(cursor or "").strip() or None,
    )


def search_logs(db: Database, request: SearchRequest, *, clock: Clock = utcnow) -> SearchPage:
    """One page of executions whose logs match, newest first, continuing after the cursor."""
    now = clock()
    levels = request.levels
    with db.read() as conn:
        keys = search_store.list_matching_executions(
            conn, request.search, request.filters.to_store(now), levels=levels,
            limit=request.limit + 1, after=decode_cursor(request.cursor),
        )  # fmt: skip
        ids = [k[0] for k in keys[: request.limit]]
        executions = store.list_executions_by_id(conn, ids)
        hits = search_store.list_hits(
            conn, request.search, ids, levels=levels, per_execution=LINES_PER_EXECUTION
        )
        wanted = {k: _around(h.seqs) for k, h in hits.items()}
        lines = search_store.list_lines_at(conn, wanted)
    by_execution: dict[str, list[ShownLine]] = {}
    for line in lines:
        matched = line.seq in hits[line.execution_id].seqs
        by_execution.setdefault(line.execution_id, []).append(ShownLine(line, matched))
    items = [
        ExecutionMatches(executions[i], hits[i].total if i in hits else 0, by_execution.get(i, []))
        for i in ids
    ]
    has_more = len(keys) > request.limit
    next_cursor = encode_cursor(items[-1].execution) if has_more and items else None
    return SearchPage(request, items, next_cursor, has_more, now)


def page_json(page: SearchPage) -> dict[str, Any]:
    """The published search page (`LogSearchPage`)."""
    request = page.request
    return {
        "query": str(request.search),
        "items": [
            {
                "execution": execution_json(item.execution),
                "matches": item.matches,
                "lines": [line_json(s.line) | {"match": s.match} for s in item.lines],
            }
            for item in page.items
        ],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
        "filters": request.filters.to_json(page.now) | {"level": list(request.levels)},
    }


def _around(seqs: Sequence[int]) -> set[int]:
    return {n for seq in seqs for n in range(seq - NEIGHBOURS, seq + NEIGHBOURS + 1) if n > 0}


def _levels(values: Sequence[str], in_query: Sequence[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for raw in values:
        value = raw.strip().upper()
        if value and value not in LOG_LEVELS:
            known = ", ".join(v.lower() for v in LOG_LEVELS)
            raise ListingError("level", f"unknown log level {raw!r}; use one of {known}")
        if value:
            chosen.append(value)
    if chosen and in_query:
        both = [v for v in chosen if v in in_query]
        if not both:
            given = ", ".join(v.lower() for v in chosen)
            asked = ", ".join(v.lower() for v in in_query)
            raise ListingError(
                "level",
                f"level={given} and the query's level:{asked} share no level: drop one of them",
            )
        return tuple(dict.fromkeys(both))
    return tuple(dict.fromkeys(chosen or in_query))


def _limit(value: str | int | None) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise ListingError("limit", f"limit {value!r} is not a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ListingError("limit", f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
    return limit
