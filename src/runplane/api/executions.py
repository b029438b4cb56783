"""`/v1/executions`: the list with filters and presets, one execution, its logs, retry, cancel.

Locked (403) in the basic tier. Logs can also be downloaded as text or followed as
Server-Sent Events; those two live in `api/logs.py`, an execution's resource graphs' data
in `api/resources.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from runplane.api import logs, resources
from runplane.api.blocking import call, read, write
from runplane.api.deps import (
    CachesDep,
    CallerDep,
    ClockDep,
    DbDep,
    ExecutionIdDep,
    SettingsDep,
    allow,
    only_query,
    refuse_locked,
    require,
)
from runplane.api.errors import problems
from runplane.api.openapi import query_schema
from runplane.api.responses import json_response, list_response
from runplane.api.schemas.compare import Comparison
from runplane.api.schemas.executions import (
    ExecutionDetail,
    ExecutionList,
    ExecutionOut,
    RetryRequest,
)
from runplane.engine import service
from runplane.model import ExecutionStatus, Trigger
from runplane.model.access import Action
from runplane.model.json import execution_json
from runplane.model.param_filters import MAX_FILTERS, MAX_NAME, MAX_SEARCH, MAX_VALUE, PREFIX
from runplane.pipelines.registry import NAME as PIPELINE_NAME
from runplane.tiers import Feature
from runplane.views import compare, list_query, listing
from runplane.views.execution_detail import detail_json, load_execution_detail
from runplane.views.param_query import param_pairs

router = APIRouter(
    prefix="/v1/executions",
    tags=["executions"],
    dependencies=[Depends(require(Feature.HISTORY))],
    responses=problems(403),
)


PARAM_FILTER = {
    "name": "param.{name}",
    "in": "query",
    "required": False,
    "description": "Parameter filters: `param.day=2025-12-22` keeps executions whose "
    "parameter `day` equals the value. Any parameter name (letters, digits and _, "
    f"at most {MAX_NAME}); several names combine with AND, a name repeated matches any of "
    "its values. Strings (and dates, as ISO text) compare exactly; a value that is a JSON "
    "number also matches parameters numerically equal to it (`5` matches 5 and 5.0; `05` "
    "is text); `true`/`false` match booleans. Null, lists and objects match nothing. At "
    f"most {MAX_FILTERS} values in all, each non-empty and at most {MAX_VALUE} characters; "
    "with these (or `q`) the counts stop at 1,000 (`counts.capped`).",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_VALUE},
    "x-name-pattern": r"^param\.[A-Za-z_][A-Za-z0-9_]*$",
}


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"items": {"type": "string", "enum": list(values)}}


@router.get(
    "",
    response_model=ExecutionList,
    responses=problems(400, 404),
    dependencies=[
        Depends(
            only_query(
                "status",
                "pipeline",
                "trigger",
                "range",
                "since",
                "until",
                "preset",
                "q",
                "limit",
                "cursor",
                "sla",
                prefix=PREFIX,
            )
        )
    ],
    openapi_extra={"parameters": [PARAM_FILTER]},
)
async def list_executions(
    request: Request,
    db: DbDep,
    caches: CachesDep,
    clock: ClockDep,
    settings: SettingsDep,
    status: Annotated[
        tuple[str, ...],
        Query(
            description="Repeatable.",
            json_schema_extra=_enum(list_query.STATUSES),
        ),
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
    trigger: Annotated[
        tuple[str, ...],
        Query(
            description="Repeatable.",
            json_schema_extra=_enum(list_query.TRIGGERS),
        ),
    ] = (),
    range_: Annotated[
        str | None,
        Query(
            alias="range",
            description="Default 24h; `today` is the current UTC day.",
            json_schema_extra=query_schema(type="string", enum=list(list_query.RANGE_NAMES)),
        ),
    ] = None,
    since: Annotated[
        str | None,
        Query(
            description="Custom window start (ISO-8601 with zone).",
            json_schema_extra=query_schema(type="string", format="date-time"),
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            description="Custom window end, exclusive.",
            json_schema_extra=query_schema(type="string", format="date-time"),
        ),
    ] = None,
    preset: Annotated[
        str | None,
        Query(
            description="Expands to explicit filters, echoed in `filters`.",
            json_schema_extra=query_schema(type="string", enum=list(list_query.PRESETS)),
        ),
    ] = None,
    sla: Annotated[
        tuple[str, ...],
        Query(
            description="Repeatable; only executions at risk of missing, or past, a limit of "
            "their SLA (advanced tier; 403 in the others).",
            json_schema_extra=_enum(list_query.SLA_STATES),
        ),
    ] = (),
    q: Annotated[
        str | None,
        Query(
            description="Free text: executions whose id starts with it, whose pipeline name "
            "contains it or with a parameter value starting with it (ignoring case).",
            json_schema_extra=query_schema(type="string", maxLength=MAX_SEARCH),
        ),
    ] = None,
    limit: Annotated[
        str | None,
        Query(
            description="Page size, 1..200 (default 50).",
            json_schema_extra=query_schema(type="integer", minimum=1, maximum=list_query.MAX_LIMIT),
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
    """List executions newest first, with counts by status for the same filter."""
    filters = list_query.parse_filters(
        status=status,
        pipeline=pipeline,
        trigger=trigger,
        range=range_,
        since=since,
        until=until,
        preset=preset,
        sla=sla,
        params=param_pairs(request.query_params.multi_items()),
        q=q,
    )
    if filters.sla:
        refuse_locked(Feature.SLA, settings)
    page = await call(
        db,
        listing.list_page,
        db,
        filters,
        limit=list_query.parse_limit(limit),
        cursor=cursor,
        counts=caches.counts,
        finished=caches.finished,
        clock=clock,
    )
    by_status = {str(s): page.counts.get(s, 0) for s in ExecutionStatus}
    shows_sla = settings.has(Feature.SLA)
    return list_response(
        [
            caches.items.encode(e, page.resolved_by.get(e.execution_id), sla=shows_sla)
            for e in page.items
        ],
        {
            "next_cursor": page.next_cursor,
            "has_more": page.has_more,
            "counts": by_status | {"total": page.total, "capped": page.capped},
            "filters": page.filters.to_json(page.now),
        },
    )


@router.get(
    "/compare",
    response_model=Comparison,
    responses=problems(400, 404),
    dependencies=[Depends(only_query("a", "b"))],
)
async def compare_executions(
    db: DbDep,
    settings: SettingsDep,
    a: Annotated[
        str, Query(min_length=1, description="An execution id, or a prefix of 6+ characters.")
    ],
    b: Annotated[str, Query(min_length=1, description="The execution to set beside it.")],
) -> Response:
    """Two executions side by side: parameters, measures, figures, where their logs diverge."""
    ids = compare.parse_pair(a, b)
    found = await read(db, compare.load_comparison, *ids)
    return json_response(compare.compare_json(found, settings.tier))


@router.get("/{execution_id}", response_model=ExecutionDetail, responses=problems(404))
async def get_execution(execution_id: ExecutionIdDep, db: DbDep, settings: SettingsDep) -> Response:
    """One execution: output, error with suggested actions, events, retry chain, relatives,
    and in the advanced tier its SLA standing and baseline."""
    with_baseline = settings.has(Feature.BASELINE)
    found = await read(db, load_execution_detail, execution_id, with_baseline=with_baseline)
    return json_response(detail_json(found, sla=settings.has(Feature.SLA)))


@router.post(
    "/{execution_id}/retry",
    status_code=201,
    response_model=ExecutionOut,
    responses=problems(400, 404, 409, 413, 415, 422),
    dependencies=[Depends(allow(Action.RETRY))],
)
async def retry_execution(
    execution_id: ExecutionIdDep,
    db: DbDep,
    caller: CallerDep,
    settings: SettingsDep,
    body: Annotated[RetryRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Start a new attempt of a failed or cancelled execution, optionally with new params."""
    overrides = None if body is None else body.params
    retry = await write(
        service.retry_execution, db, execution_id, overrides, trigger=Trigger.API,
        triggered_by=caller.actor, origin=caller.origin, strict=True,
    )  # fmt: skip
    return execution_json(retry, sla=settings.has(Feature.SLA))


@router.post(
    "/{execution_id}/cancel",
    status_code=202,
    response_model=ExecutionOut,
    responses=problems(404, 409, 415),
    dependencies=[Depends(allow(Action.CANCEL))],
)
async def cancel_execution(
    execution_id: ExecutionIdDep, db: DbDep, settings: SettingsDep, caller: CallerDep
) -> dict[str, Any]:
    """Cancel a pending execution at once, or ask a running one to stop."""
    execution = await write(
        service.cancel_execution,
        db,
        execution_id,
        by=caller.actor,
        grace_seconds=settings.cancel_grace,
        origin=caller.origin,
    )
    return execution_json(execution, sla=settings.has(Feature.SLA))


router.include_router(logs.router)  # after the routes above, so the document lists them last
router.include_router(resources.router)
