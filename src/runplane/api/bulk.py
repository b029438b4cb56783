"""`/v1/bulk`: bulk retry and bulk cancel over a filter (or ticked ids): a preview first,
then the action on exactly the previewed set, its progress, and cancelling it.

Operators and admins may act; a viewer gets 403. Locked (403) in the basic tier.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from runplane.api.blocking import read, write
from runplane.api.deps import CallerDep, ClockDep, DbDep, SettingsDep, allow, require
from runplane.api.errors import problems
from runplane.api.responses import json_response
from runplane.api.schemas.bulk import BulkOperationOut, BulkPreviewOut, BulkRequest
from runplane.engine.bulk.operation import cancel_operation, start_operation
from runplane.engine.bulk.preview import preview_bulk
from runplane.engine.errors import InvalidBulk
from runplane.model import Trigger
from runplane.model.access import Action
from runplane.model.bulk import BulkAction
from runplane.store import NotFound
from runplane.tiers import Feature
from runplane.views.bulk import load_progress, parse_bulk_filter, preview_json, progress_json

router = APIRouter(
    prefix="/v1/bulk",
    tags=["bulk"],
    dependencies=[Depends(require(Feature.HISTORY))],
    responses=problems(403),
)


async def _bulk_id(
    bulk_id: Annotated[str, Path(description="A bulk operation's id (`bulk_id`).")],
) -> str:
    """The id the path names; one no operation can have (a NUL byte) is simply not found."""
    if "\x00" in bulk_id:
        raise NotFound(f"no bulk operation with id {bulk_id!r}")
    return bulk_id


BulkIdDep = Annotated[str, Depends(_bulk_id)]


@router.post(
    "",
    response_model=BulkPreviewOut,
    responses={
        201: {"model": BulkOperationOut, "description": "The operation, started."},
        **problems(400, 404, 409, 413, 415, 422),
    },
    dependencies=[Depends(allow(Action.BULK))],
)
async def bulk(
    body: BulkRequest, db: DbDep, settings: SettingsDep, caller: CallerDep, clock: ClockDep
) -> Response:
    """With `preview: true`: which executions a retry or cancel would act on, frozen under a
    `preview_id` (200). With `preview_id` and `max`: start the operation over exactly that
    set (201); each execution is re-checked as it is reached and skipped with its reason if
    it changed meanwhile; more than `max` is refused (409)."""
    if body.preview:
        if body.preview_id is not None or body.max is not None:
            raise InvalidBulk(
                "preview_id", "a preview takes action and filter or ids, not preview_id or max"
            )
        if body.action is None:
            raise InvalidBulk("action", "a preview needs action: retry or cancel")
        selection = None if body.filter is None else parse_bulk_filter(body.filter, clock())
        preview = await write(
            preview_bulk, db, BulkAction(body.action), actor=caller.actor,
            filter=None if selection is None else selection.store,
            filter_json=None if selection is None else selection.shown,
            ids=body.ids, max_set=settings.bulk_max_set,
            ttl_seconds=settings.bulk_preview_seconds, clock=clock,
        )  # fmt: skip
        return json_response(await read(db, preview_json, preview))
    if body.preview_id is None or body.max is None:
        raise InvalidBulk(
            "preview_id",
            "give preview_id and max to act on a preview, or preview: true to make one",
        )
    if body.filter is not None or body.ids is not None or body.action is not None:
        raise InvalidBulk(
            "filter",
            "the action names its preview_id only; its set was fixed by the preview",
        )
    operation = await write(
        start_operation, db, body.preview_id, max_executions=body.max, origin=caller.origin,
        trigger=Trigger.API, clock=clock,
    )  # fmt: skip
    return json_response(progress_json(await read(db, load_progress, operation.bulk_id)), 201)


@router.get("/{bulk_id}", response_model=BulkOperationOut, responses=problems(404))
async def get_bulk(bulk_id: BulkIdDep, db: DbDep) -> Response:
    """A bulk operation: its state, counts (done, queued, skipped by reason) and items."""
    return json_response(progress_json(await read(db, load_progress, bulk_id)))


@router.post(
    "/{bulk_id}/cancel",
    status_code=202,
    response_model=BulkOperationOut,
    responses=problems(404, 409, 415),
    dependencies=[Depends(allow(Action.BULK))],
)
async def cancel_bulk(
    bulk_id: BulkIdDep, db: DbDep, caller: CallerDep, clock: ClockDep
) -> Response:
    """Stop a running bulk operation; executions it already acted on stay as they are."""
    await write(cancel_operation, db, bulk_id, origin=caller.origin, clock=clock)
    return json_response(progress_json(await read(db, load_progress, bulk_id)), 202)
