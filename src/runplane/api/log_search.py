"""`/v1/logs/search`: search across every execution's log (the query language is in the
README), with the list's filters. Locked (403) in the basic tier, as history is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from runplane.api.blocking import call
from runplane.api.deps import ClockDep, DbDep, only_query, require
from runplane.api.errors import problems
from runplane.api.openapi import query_schema
from runplane.api.responses import json_response
from runplane.api.schemas.log_search import LogSearchPage
from runplane.model import LOG_LEVELS
from runplane.model.log_query import MAX_QUERY
from runplane.pipelines.registry import NAME as PIPELINE_NAME
from runplane.tiers import Feature
from runplane.views import list_query
from runplane.views import log_search as views

router = APIRouter(
    prefix="/v1/logs",
    tags=["logs"],
    dependencies=[Depends(require(Feature.HISTORY))],
    responses=problems(403),
)


def _items(values: list[str]) -> dict[str, Any]:
    return {"items": {"type": "string", "enum": values}}


@router.get(
    "/search",
    response_model=LogSearchPage,
    responses=problems(400),
    dependencies=[
        Depends(only_query("q", "status", "pipeline", "range", "level", "limit", "cursor"))
    ],
)
async def search_logs(
    db: DbDep,
    clock: ClockDep,
    q: Annotated[
        str | None,
        Query(
            description='Words, "phrases", prefix* and level:error, all required; a word '
            "with punctuation (`sales.eu`) is the phrase of its pieces. A malformed query "
            "is a 400 naming the position.",
            json_schema_extra=query_schema(type="string", maxLength=MAX_QUERY),
        ),
    ] = None,
    status: Annotated[
        tuple[str, ...],
        Query(description="Repeatable.", json_schema_extra=_items(list(list_query.STATUSES))),
    ] = (),
    pipeline: Annotated[
        tuple[str, ...],
        Query(
            description="Repeatable; dotted lowercase, e.g. runplane.noop.",
            json_schema_extra={
                "items": {"type": "string", "pattern": PIPELINE_NAME.pattern, "maxLength": 200}
            },
        ),
    ] = (),
    range_: Annotated[
        str | None,
        Query(
            alias="range",
            description=f"When the executions were created; default {views.DEFAULT_RANGE}.",
            json_schema_extra=query_schema(type="string", enum=list(list_query.RANGE_NAMES)),
        ),
    ] = None,
    level: Annotated[
        tuple[str, ...],
        Query(
            description="Only lines of these levels; repeatable, any case.",
            json_schema_extra=_items([v.lower() for v in LOG_LEVELS]),
        ),
    ] = (),
    limit: Annotated[
        str | None,
        Query(
            description=f"Executions per page, 1..{views.MAX_LIMIT} "
            f"(default {views.DEFAULT_LIMIT}).",
            json_schema_extra=query_schema(type="integer", minimum=1, maximum=views.MAX_LIMIT),
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            description="`next_cursor` of the previous page.",
            json_schema_extra=query_schema(type="string"),
        ),
    ] = None,
) -> Response:
    """Search every execution's log: executions newest first, each with its first matching
    lines and a neighbour either side."""
    request = views.parse_search(
        q=q, status=status, pipeline=pipeline, range=range_, level=level, limit=limit,
        cursor=cursor,
    )  # fmt: skip
    return json_response(
        views.page_json(await call(db, views.search_logs, db, request, clock=clock))
    )
