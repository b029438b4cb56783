"""`/v1/executions/{id}/logs`: pages of lines, the whole log as text, or a live tail (SSE).

Mounted by the executions router, so the basic-tier lock applies here too.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse

from runplane.api.blocking import call, read
from runplane.api.deps import DbDep, ExecutionIdDep, SettingsDep, only_query
from runplane.api.errors import problems
from runplane.api.openapi import query_schema
from runplane.api.responses import json_response
from runplane.api.schemas.executions import LogPage
from runplane.model import LOG_LEVELS, Execution, LogLine
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.views.list_query import ListingError
from runplane.views.log_window import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_SEQ,
    LogQuery,
    line_json,
    parse_log_query,
    read_log_window,
    window_json,
)

BATCH = 5000
KEEPALIVE_SECONDS = 15.0

router = APIRouter()

_CONTENT = {
    "text/plain": {"schema": {"type": "string"}},
    "text/event-stream": {"schema": {"type": "string"}},
}


@router.get(
    "/{execution_id}/logs",
    response_model=LogPage,
    responses={
        200: {
            "description": "A page of lines (JSON); with `format=text` the whole log as a "
            "file; with `follow=true` an event stream (`line` events, then one `end`).",
            "content": _CONTENT,
        },
        **problems(400, 404),
    },
    dependencies=[Depends(only_query("after", "limit", "level", "search", "format", "follow"))],
)
async def get_execution_logs(
    execution_id: ExecutionIdDep,
    db: DbDep,
    settings: SettingsDep,
    level: Annotated[
        tuple[str, ...],
        Query(
            description="Only these levels; repeatable.",
            json_schema_extra={"items": {"type": "string", "enum": list(LOG_LEVELS)}},
        ),
    ] = (),
    after: Annotated[
        str | None,
        Query(
            description="Only lines after this line number (`next_after` of the previous page).",
            json_schema_extra=query_schema(type="integer", minimum=0, maximum=MAX_SEQ),
        ),
    ] = None,
    limit: Annotated[
        str | None,
        Query(
            description=f"Lines per page, 1..{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
            json_schema_extra=query_schema(type="integer", minimum=1, maximum=MAX_LIMIT),
        ),
    ] = None,
    search: Annotated[
        str | None,
        Query(
            description="Only lines containing this text (any case), over the whole log.",
            json_schema_extra=query_schema(type="string"),
        ),
    ] = None,
    format: Annotated[
        str | None,
        Query(
            description="`text` downloads the whole log as `HH:MM:SS.mmm LEVEL message`.",
            json_schema_extra=query_schema(type="string", enum=["json", "text"]),
        ),
    ] = None,
    follow: Annotated[
        str | None,
        Query(
            description="`true` streams new lines as Server-Sent Events until the run ends.",
            json_schema_extra=query_schema(type="boolean"),
        ),
    ] = None,
    last_event_id: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Read an execution's log: a page of lines, the whole log as text, or a live tail."""
    query = parse_log_query(after=after or last_event_id, limit=limit, levels=level, search=search)
    as_text = _choice("format", format, ("json", "text")) == "text"
    following = _flag("follow", follow)
    if as_text and following:
        raise ListingError("follow", "use either format=text or follow=true, not both")
    if not (as_text or following):
        return json_response(window_json(await read(db, read_log_window, execution_id, query)))
    execution = await read(db, store.get_execution, execution_id)
    if as_text:
        filename = f"{execution.pipeline}-{execution_id}.log"
        return StreamingResponse(
            log_store.read_log_text(db, execution_id),
            media_type="text/plain; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    interval = max(0.05, settings.poll_interval * 2.5)
    return StreamingResponse(
        _follow(db, execution_id, query, interval),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _follow(
    db: Database, execution_id: str, query: LogQuery, interval: float
) -> AsyncIterator[str]:
    """`line` events (id = line number) as lines arrive, then one `end` event."""
    after = query.after
    beat = time.monotonic()
    yield "retry: 2000\n\n"
    while True:
        execution, lines = await call(db, _poll, db, execution_id, after, query)
        if lines:
            after = lines[-1].seq
            beat = time.monotonic()
            yield "".join(
                f"id: {line.seq}\nevent: line\ndata: {json.dumps(line_json(line))}\n\n"
                for line in lines
            )
        if execution.status.is_final and len(lines) < BATCH:
            end = {"execution_id": execution_id, "status": str(execution.status)}
            yield f"event: end\ndata: {json.dumps(end)}\n\n"
            return
        if time.monotonic() - beat > KEEPALIVE_SECONDS:
            beat = time.monotonic()
            yield ": keep-alive\n\n"
        if len(lines) < BATCH:
            await anyio.sleep(interval)


def _poll(
    db: Database, execution_id: str, after: int, query: LogQuery
) -> tuple[Execution, list[LogLine]]:
    with db.read() as conn:
        execution = store.get_execution(conn, execution_id)
        lines = log_store.list_log_lines(
            conn, execution_id, after=after, limit=BATCH, levels=query.levels, search=query.search
        )
    return execution, lines


def _choice(param: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None or not value.strip():
        return None
    if value not in allowed:
        raise ListingError(param, f"{param} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _flag(param: str, value: str | None) -> bool:
    if value is None or not value.strip():
        return False
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ListingError(param, f"{param} must be true or false (got {value!r})")
