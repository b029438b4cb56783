"""`/v1/executions`: the list with filters and presets, its cost summary, one execution, its
logs, retry, cancel.

Locked (403) in the basic tier; the cost summary below the advanced tier. Logs can also be
downloaded as text or followed as Server-Sent Events; those two live in `api/logs.py`, an
execution's resource graphs' data in `api/resources.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response

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
from runplane.api.filters import FILTER_NAMES, PARAM_FILTER, FiltersDep
from runplane.api.openapi import query_schema
from runplane.api.responses import json_response, list_response
from runplane.api.schemas.compare import Comparison
from runplane.api.schemas.executions import (
    CostSummaryOut,
    ExecutionDetail,
    ExecutionList,
    ExecutionOut,
    RetryRequest,
)
from runplane.engine import service
from runplane.model import ExecutionStatus, Trigger
from runplane.model.access import Action
from runplane.model.json import execution_json
from runplane.model.param_filters import PREFIX
from runplane.tiers import Feature
from runplane.views import compare, list_query, listing
from runplane.views.cost_summary import cost_summary, summary_json
from runplane.views.execution_detail import detail_json, load_execution_detail

router = APIRouter(
    prefix="/v1/executions",
    tags=["executions"],
    dependencies=[Depends(require(Feature.HISTORY))],
    responses=problems(403),
)


@router.get(
    "/summary",
    response_model=CostSummaryOut,
    responses=problems(400, 404),
    dependencies=[
        Depends(require(Feature.COST)),
        Depends(only_query(*FILTER_NAMES, prefix=PREFIX)),
    ],
    openapi_extra={"parameters": [PARAM_FILTER]},
)
async def get_summary(
    db: DbDep, clock: ClockDep, settings: SettingsDep, filters: FiltersDep
) -> Response:
    """Cost and executions by pipeline and by trigger, for the same filters as the list
    (the advanced tier)."""
    summary = await call(
        db, cost_summary, db, filters, currency=settings.cost_currency, clock=clock
    )
    return json_response(summary_json(summary))


@router.get(
    "",
    response_model=ExecutionList,
    responses=problems(400, 404),
    dependencies=[Depends(only_query(*FILTER_NAMES, "limit", "cursor", prefix=PREFIX))],
    openapi_extra={"parameters": [PARAM_FILTER]},
)
async def list_executions(
    db: DbDep,
    caches: CachesDep,
    clock: ClockDep,
    settings: SettingsDep,
    filters: FiltersDep,
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
    return list_response(
        [
            caches.items.encode(e, page.resolved_by.get(e.execution_id), tier=settings.tier)
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
    and in the advanced tier its SLA standing, cost and baseline."""
    with_baseline = settings.has(Feature.BASELINE)
    found = await read(db, load_execution_detail, execution_id, with_baseline=with_baseline)
    return json_response(detail_json(found, tier=settings.tier))


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
    return execution_json(retry, tier=settings.tier)


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
    return execution_json(execution, tier=settings.tier)


router.include_router(logs.router)  # after the routes above, so the document lists them last
router.include_router(resources.router)
