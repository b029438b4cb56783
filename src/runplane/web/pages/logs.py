"""The Logs tab's data: windows of lines as JSON for the log view (scrolling, search, level
filter, jump to first error, live tail) and the whole log as a text file.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.tiers import Feature
from runplane.views.list_query import ListingError
from runplane.views.log_window import parse_log_query, read_log_window, window_json
from runplane.web.deps import StateDep, requires
from runplane.web.errors import DashboardRoute

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])


@router.get("/executions/{execution_id}/logs/lines")
def log_lines(request: Request, execution_id: str, s: StateDep) -> Response:
    """A window of lines: `after=N`, `before=N`, `around=N` or `tail=1`, filtered by
    `level` and `search` over the whole log (the API's log page, plus `has_before`)."""
    q = request.query_params
    try:
        query = parse_log_query(
            after=q.get("after"), before=q.get("before"), around=q.get("around"),
            tail=q.get("tail") == "1", limit=q.get("limit"), levels=q.getlist("level"),
            search=q.get("search"),
        )  # fmt: skip
    except ListingError as exc:
        return JSONResponse({"error": exc.message}, 400)
    with s.db.read() as conn:
        window = read_log_window(conn, execution_id, query)
    return JSONResponse(window_json(window, both_ways=True), headers={"Cache-Control": "no-store"})


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
