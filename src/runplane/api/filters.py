"""The list filters `/v1/executions` and `/v1/executions/summary` take, declared once so
both publish them alike."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from runplane.api.openapi import query_schema
from runplane.pipelines.registry import NAME as PIPELINE_NAME
from runplane.views import list_query

FILTER_NAMES = ("status", "pipeline", "trigger", "range", "since", "until", "preset")


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
