"""`/v1/audit`: the audit trail, newest first, for admins. Read only: nothing in the API
edits or deletes an entry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from runplane.api.blocking import read
from runplane.api.deps import DbDep, allow, only_query
from runplane.api.errors import problems
from runplane.api.openapi import query_schema
from runplane.api.schemas.audit import AuditPageOut
from runplane.model.access import Action
from runplane.model.audit import AuditAction
from runplane.views import audit as views

router = APIRouter(
    prefix="/v1/audit",
    tags=["audit"],
    dependencies=[Depends(allow(Action.AUDIT))],
    responses=problems(403),
)


@router.get(
    "",
    response_model=AuditPageOut,
    responses=problems(400),
    dependencies=[
        Depends(only_query("actor", "action", "target", "since", "until", "limit", "cursor"))
    ],
)
async def list_audit(
    db: DbDep,
    actor: Annotated[str | None, Query(description="e.g. `user:alice`.")] = None,
    action: Annotated[
        tuple[str, ...],
        Query(
            description="Repeatable.",
            json_schema_extra={"items": {"type": "string", "enum": [str(a) for a in AuditAction]}},
        ),
    ] = (),
    target: Annotated[str | None, Query(description="e.g. `execution:<id>`.")] = None,
    since: Annotated[
        str | None,
        Query(
            description="From this instant (ISO-8601 with zone).",
            json_schema_extra=query_schema(type="string", format="date-time"),
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            description="Before this instant.",
            json_schema_extra=query_schema(type="string", format="date-time"),
        ),
    ] = None,
    limit: Annotated[
        str | None,
        Query(
            description=f"Page size, 1..{views.MAX_LIMIT} (default {views.DEFAULT_LIMIT}).",
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
) -> dict[str, Any]:
    """Who did what, when and from where: every state change and security event."""
    query = views.parse_audit_filter(
        actor=actor, actions=action, target=target, since=since, until=until
    )
    page = await read(
        db, views.list_audit_page, query, limit=views.parse_limit(limit),
        cursor=views.parse_cursor(cursor),
    )  # fmt: skip
    return {
        "items": [views.entry_json(e) for e in page.items],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }
