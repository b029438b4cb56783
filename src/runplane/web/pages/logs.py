"""The Logs tab's data: windows of lines as JSON for the log view (scrolling, search, level
filter, jump to first error, live tail) and the whole log as a text file.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from runplane.model import LogLine
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.tiers import Feature
from runplane.web.deps import StateDep, requires
from runplane.web.display import log_time
from runplane.web.errors import DashboardRoute

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PAGE = 500
MAX_PAGE = 1000


class BadLogQuery(ValueError):
    pass


@router.get("/executions/{execution_id}/logs/lines")
def log_lines(request: Request, execution_id: str, s: StateDep) -> Response:
    """A window of lines: `after=N`, `before=N`, `around=N` or `tail=1`, filtered by
    `level` and `search` over the whole log."""
    try:
        window = _parse(request)
    except BadLogQuery as exc:
        return JSONResponse({"error": str(exc)}, 400)
    with s.db.read() as conn:
        execution = store.get_execution(conn, execution_id)
        lines, has_before, has_after = _window(conn, execution_id, window)
        total = log_store.count_log_lines(conn, execution_id)
        first_error = log_store.find_first_error_seq(conn, execution_id)
    return JSONResponse(
        {
            "lines": [_json(line) for line in lines],
            "has_before": has_before,
            "has_after": has_after,
            "total": total,
            "first_error": first_error,
            "final": execution.status.is_final,
            "status": str(execution.status),
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/executions/{execution_id}/logs.txt")
def log_download(request: Request, execution_id: str, s: StateDep) -> Response:
    """The whole log as a text file (`HH:MM:SS.mmm LEVEL message` per line)."""
    with s.db.read() as conn:
        execution = store.get_execution(conn, execution_id)
    filename = f"{execution.pipeline}-{execution_id}.log"
    return StreamingResponse(
        log_store.read_log_text(s.db, execution_id),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _parse(request: Request) -> dict[str, Any]:
    q = request.query_params
    levels = [v.strip().upper() for v in q.getlist("level") if v.strip()]
    unknown = [v for v in levels if v not in LEVELS]
    if unknown:
        raise BadLogQuery(f"unknown log level {unknown[0]!r}; use one of {', '.join(LEVELS)}")
    search = (q.get("search") or "").strip()[:200] or None
    window: dict[str, Any] = {"levels": levels, "search": search}
    window["limit"] = _number(q.get("limit"), "limit", PAGE, 1, MAX_PAGE)
    for key in ("after", "before", "around"):
        if q.get(key):
            window[key] = _number(q.get(key), key, 0, 0, 2**62)
    window["tail"] = q.get("tail") == "1"
    return window


def _number(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadLogQuery(f"{name} {value!r} is not a whole number") from None
    return max(low, min(number, high))


def _window(conn: Any, execution_id: str, w: dict[str, Any]) -> tuple[list[LogLine], bool, bool]:
    """Lines for the request and whether more lines (matching the filter) lie either side."""
    limit, levels, search = w["limit"], w["levels"], w["search"]
    if w["tail"] or "before" in w:
        before = w.get("before", 2**62) if not w["tail"] else 2**62
        lines = log_store.list_log_lines_before(
            conn, execution_id, before=before, limit=limit + 1, levels=levels, search=search
        )
        has_before = len(lines) > limit
        lines = lines[-limit:] if has_before else lines
        has_after = not w["tail"] and bool(
            log_store.list_log_lines(
                conn, execution_id, after=before - 1, limit=1, levels=levels, search=search
            )
        )
        return lines, has_before, has_after
    after = max(0, w["around"] - 20) if "around" in w else w.get("after", 0)
    lines = log_store.list_log_lines(
        conn, execution_id, after=after, limit=limit + 1, levels=levels, search=search
    )
    has_after = len(lines) > limit
    lines = lines[:limit]
    has_before = after > 0 and bool(
        log_store.list_log_lines_before(
            conn, execution_id, before=after + 1, limit=1, levels=levels, search=search
        )
    )
    return lines, has_before, has_after


def _json(line: LogLine) -> dict[str, Any]:
    return {"seq": line.seq, "t": log_time(line.at), "level": line.level, "message": line.message}
