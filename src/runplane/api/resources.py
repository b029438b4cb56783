"""`/v1/executions/{id}/resources`: CPU % and memory (RSS) over an execution's elapsed time.

Mounted by the executions router (so the basic-tier lock applies), and locked itself
(403) below the advanced tier.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from runplane.api.blocking import read
from runplane.api.deps import ClockDep, DbDep, ExecutionIdDep, only_query, require
from runplane.api.errors import problems
from runplane.api.openapi import query_schema
from runplane.api.responses import json_response
from runplane.api.schemas.resources import ResourceUsageOut
from runplane.tiers import Feature
from runplane.views.resources import (
    DEFAULT_RESOLUTION,
    MAX_RESOLUTION,
    MIN_RESOLUTION,
    load_resource_usage,
    parse_resolution,
    usage_json,
)

router = APIRouter(dependencies=[Depends(require(Feature.RESOURCES))])


@router.get(
    "/{execution_id}/resources",
    response_model=ResourceUsageOut,
    responses=problems(400, 403, 404),
    dependencies=[Depends(only_query("resolution"))],
)
async def get_execution_resources(
    execution_id: ExecutionIdDep,
    db: DbDep,
    clock: ClockDep,
    resolution: Annotated[
        str | None,
        Query(
            description=f"Points per series, {MIN_RESOLUTION}..{MAX_RESOLUTION} "
            f"(default {DEFAULT_RESOLUTION}).",
            json_schema_extra=query_schema(
                type="integer", minimum=MIN_RESOLUTION, maximum=MAX_RESOLUTION
            ),
        ),
    ] = None,
) -> Response:
    """CPU % and memory (RSS) over the execution's elapsed time, with peaks (advanced tier)."""
    points = parse_resolution(resolution)
    usage = await read(db, load_resource_usage, execution_id, now=clock(), resolution=points)
    return json_response(usage_json(usage))
