"""The list filters `/v1/executions` and `/v1/executions/summary` take, declared and parsed
once (`FiltersDep`) so both publish and read them alike."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from runplane.api.openapi import query_schema
from runplane.model.param_filters import MAX_FILTERS, MAX_NAME, MAX_SEARCH, MAX_VALUE
from runplane.pipelines.registry import NAME as PIPELINE_NAME
from runplane.views import list_query
from runplane.views.list_query import ListFilters
from runplane.views.param_query import param_pairs

FILTER_NAMES = ("status", "pipeline", "trigger", "range", "since", "until", "preset", "sla", "q")
"""The named filters; parameter filters (`param.NAME`) come on top (`PARAM_FILTER`)."""


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"items": {"type": "string", "enum": list(values)}}


StatusQuery = Annotated[
    tuple[str, ...], Query(description="Repeatable.", json_schema_extra=_enum(list_query.STATUSES))
]
PipelineQuery = Annotated[
    tuple[str, ...],
    Query(
        description="Repeatable; dotted lowercase, e.g. runplane.noop.",
        json_schema_extra={
            "items": {"type": "string", "pattern": PIPELINE_NAME.pattern, "maxLength": 200}
        },
    ),
]
TriggerQuery = Annotated[
    tuple[str, ...], Query(description="Repeatable.", json_schema_extra=_enum(list_query.TRIGGERS))
]
RangeQuery = Annotated[
    str | None,
    Query(
        alias="range",
        description="Default 24h; `today` is the current UTC day.",
        json_schema_extra=query_schema(type="string", enum=list(list_query.RANGE_NAMES)),
    ),
]
SinceQuery = Annotated[
    str | None,
    Query(
        description="Custom window start (ISO-8601 with zone).",
        json_schema_extra=query_schema(type="string", format="date-time"),
    ),
]
UntilQuery = Annotated[
    str | None,
    Query(
        description="Custom window end, exclusive.",
        json_schema_extra=query_schema(type="string", format="date-time"),
    ),
]
PresetQuery = Annotated[
    str | None,
    Query(
        description="Expands to explicit filters, echoed in `filters`.",
        json_schema_extra=query_schema(type="string", enum=list(list_query.PRESETS)),
    ),
]
SlaQuery = Annotated[
    tuple[str, ...],
    Query(
        description="Repeatable; only executions at risk of missing, or past, a limit of "
        "their SLA (advanced tier; 403 in the others).",
        json_schema_extra=_enum(list_query.SLA_STATES),
    ),
]
SearchQuery = Annotated[
    str | None,
    Query(
        description="Free text: executions whose id starts with it, whose pipeline name "
        "contains it or with a parameter value starting with it (ignoring case).",
        json_schema_extra=query_schema(type="string", maxLength=MAX_SEARCH),
    ),
]

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


async def list_filters(
    request: Request,
    status: StatusQuery = (),
    pipeline: PipelineQuery = (),
    trigger: TriggerQuery = (),
    range_: RangeQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    preset: PresetQuery = None,
    sla: SlaQuery = (),
    q: SearchQuery = None,
) -> ListFilters:
    """The filters of the query, presets expanded; a bad one raises `ListingError` (400).

    `async` although it awaits nothing: FastAPI runs a plain `def` dependency on the thread
    pool, and a thread hop per list request costs more than the parsing."""
    return list_query.parse_filters(
        status=status, pipeline=pipeline, trigger=trigger, range=range_, since=since,
        until=until, preset=preset, sla=sla, params=param_pairs(request.query_params.multi_items()),
        q=q,
    )  # fmt: skip


FiltersDep = Annotated[ListFilters, Depends(list_filters)]
