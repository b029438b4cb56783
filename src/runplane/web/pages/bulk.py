"""Bulk retry and cancel on the dashboard: the preview (a confirm page, or the modal with
`?fragment=modal`) of the rows ticked or of every execution the list's filters match, the
form post that starts the operation, and the operation's own page with its progress.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from runplane.engine.bulk.operation import cancel_operation, start_operation
from runplane.engine.bulk.preview import preview_bulk
from runplane.engine.errors import BulkRefused, InvalidBulk
from runplane.identity import Caller
from runplane.model import Trigger
from runplane.model.access import Action
from runplane.model.bulk import BulkAction, BulkOperation
from runplane.store import NotFound
from runplane.tiers import Feature
from runplane.views.bulk import load_progress, parse_bulk_filter, preview_json, skip_label
from runplane.views.list_query import ListingError
from runplane.web.deps import CallerDep, State, StateDep, allowed, requires
from runplane.web.errors import DashboardRoute
from runplane.web.security import FormDep
from runplane.web.templating import render, render_fragment
from runplane.web.urls import PREFIX

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])

FILTER_FIELDS = ("preset", "status", "pipeline", "trigger", "range", "since", "until", "sla", "q")
"""The list's filters the bulk form carries (as `f.status`, ...) for "select all N matching"."""


@router.post("/bulk/preview", dependencies=[Depends(allowed(Action.BULK))])
async def bulk_preview(
    request: Request, s: StateDep, caller: CallerDep, values: FormDep
) -> Response:
    """What Retry selected / Cancel selected would do: counts by reason and a sample."""
    action_text = (values.get("action") or [""])[-1]
    if action_text not in ("retry", "cancel"):
        return _confirm(request, {"error": "Choose Retry selected or Cancel selected"}, 400)
    action = BulkAction(action_text)
    try:
        shown = await run_in_threadpool(_preview, s, caller.actor, action, values)
    except (InvalidBulk, ListingError, NotFound) as exc:
        return _confirm(request, {"error": _sentence(str(exc)), "action": action_text}, 400)
    return _confirm(request, {"preview": shown, "action": action_text})


@router.post("/bulk", dependencies=[Depends(allowed(Action.BULK))])
async def bulk_start(request: Request, s: StateDep, caller: CallerDep, values: FormDep) -> Response:
    """Start the operation over exactly the previewed set, then open its page."""
    preview_id = (values.get("preview_id") or [""])[-1]
    try:
        limit = int((values.get("max") or ["0"])[-1])
        operation = await run_in_threadpool(_start, s, preview_id, limit, caller)
    except (BulkRefused, NotFound, ValueError) as exc:
        return _confirm(request, {"error": _sentence(str(exc))}, 409)
    return RedirectResponse(f"{PREFIX}/bulk/{operation.bulk_id}", status_code=303)


@router.get("/bulk/{bulk_id}")
def bulk_page(request: Request, bulk_id: str, s: StateDep) -> Response:
    """A bulk operation's progress: done, queued, skipped by reason, and its executions."""
    with s.db.read() as conn:
        progress = load_progress(conn, bulk_id)
    context: dict[str, Any] = {"p": progress, "skip_label": skip_label}
    if request.query_params.get("fragment") == "live":
        return render_fragment("_bulk_live.html", request=request, **context)
    title = f"Bulk {progress.operation.action} {bulk_id[:8]}"
    return render(request, "bulk.html", title=title, nav="executions", **context)


@router.post("/bulk/{bulk_id}/cancel", dependencies=[Depends(allowed(Action.BULK))])
async def bulk_cancel(bulk_id: str, s: StateDep, caller: CallerDep, values: FormDep) -> Response:
    """Stop the operation (what it did stays), then show it again."""
    with suppress(BulkRefused):  # it ended meanwhile: its page says how
        await run_in_threadpool(
            lambda: cancel_operation(s.db, bulk_id, origin=caller.origin, clock=s.clock)
        )
    return RedirectResponse(f"{PREFIX}/bulk/{bulk_id}", status_code=303)


def _start(s: State, preview_id: str, limit: int, caller: Caller) -> BulkOperation:
    return start_operation(
        s.db,
        preview_id,
        max_executions=limit,
        origin=caller.origin,
        trigger=Trigger.MANUAL,
        clock=s.clock,
    )


def _preview(s: State, actor: str, action: BulkAction, values: dict[str, list[str]]) -> Any:
    every = (values.get("all") or [""])[-1] == "1"
    ids = [i for i in values.get("ids", []) if i.strip()]
    if every:
        raw: dict[str, Any] = {k: values[f"f.{k}"] for k in FILTER_FIELDS if f"f.{k}" in values}
        for single in ("preset", "range", "since", "until", "q"):
            if single in raw:
                raw[single] = raw[single][-1]
        named = {k[len("f.param.") :]: v for k, v in values.items() if k.startswith("f.param.")}
        if named:
            raw["param"] = named
        selection = parse_bulk_filter(raw, s.clock())
        preview = preview_bulk(
            s.db, action, actor=actor, filter=selection.store, filter_json=selection.shown,
            max_set=s.settings.bulk_max_set, ttl_seconds=s.settings.bulk_preview_seconds,
            clock=s.clock,
        )  # fmt: skip
    elif ids:
        preview = preview_bulk(
            s.db, action, actor=actor, ids=ids, max_set=s.settings.bulk_max_set,
            ttl_seconds=s.settings.bulk_preview_seconds, clock=s.clock,
        )  # fmt: skip
    else:
        raise InvalidBulk("ids", "tick at least one execution, or select all matching")
    with s.db.read() as conn:
        return preview_json(conn, preview)


def _confirm(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    back = f"{PREFIX}/executions"
    context = {"error": None, "preview": None, "action": None, **context, "back": back}
    context["skip_label"] = skip_label
    if request.query_params.get("fragment") == "modal":
        return render_fragment("_confirm_bulk.html", status, request=request, **context)
    return render(
        request, "confirm.html", title="Bulk action", nav="executions", status=status,
        partial="_confirm_bulk.html", **context,
    )  # fmt: skip


def _sentence(text: str) -> str:
    return (text[:1].upper() + text[1:]).rstrip(".")
