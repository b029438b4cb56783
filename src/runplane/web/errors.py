"""Errors on dashboard routes become pages inside the shell, never a stack trace or a
blank page: unknown ids 404, cross-site posts and actions the role may not take 403 (both
audited), a form too large 413, a database that cannot serve the page (full, busy, gone) a
banner naming why (503).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from runplane.engine.access.audit import record_refused
from runplane.identity import Caller
from runplane.model.audit import AuditAction, Origin
from runplane.pipelines import UnknownPipeline
from runplane.store import NotFound, storage_problem
from runplane.tiers import Feature
from runplane.web.deps import FeatureLocked, NotAllowed, app_state
from runplane.web.forms import FormTooLarge
from runplane.web.security import CrossSiteRequest
from runplane.web.templating import render

log = logging.getLogger(__name__)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_NAV = {Feature.HISTORY: "executions"}
"""The sidebar entry a locked feature's pages belong to."""


class DashboardRoute(APIRoute):
    """A route whose failures render as dashboard pages (the API keeps its problem+json)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (CrossSiteRequest, NotAllowed) as exc:
                await run_in_threadpool(_audit_refusal, request, str(exc))
                return error_page(request, exc)
            except Exception as exc:
                return error_page(request, exc)

        return handle


def error_page(request: Request, exc: Exception) -> Response:
    """The page for an exception a dashboard route raised."""
    if isinstance(exc, NotFound | UnknownPipeline):
        return not_found_page(request, str(exc))
    if isinstance(exc, FeatureLocked):
        return render(
            request, "locked.html", title=exc.feature.label, nav=_NAV.get(exc.feature),
            status=200 if request.method == "GET" else 403, feature=str(exc.feature),
            reason=exc.reason,
        )  # fmt: skip
    if isinstance(exc, NotAllowed):
        return render(
            request,
            "error.html",
            title="Not allowed",
            status=403,
            heading="Your role does not allow this",
            message=f"{exc.reason[:1].upper()}{exc.reason[1:]}. An admin can change roles "
            "with `runplane users set-role`.",
        )
    if isinstance(exc, CrossSiteRequest):
        return render(
            request,
            "error.html",
            title="Refused",
            status=403,
            heading="This form was refused",
            message=f"{exc}. Open the dashboard page again and submit the form from there.",
        )
    if isinstance(exc, FormTooLarge):
        return too_large_page(request, str(exc))
    found = storage_problem(exc, app_state(request).db.location)
    if found is not None:
        writing = request.method != "GET"
        return render(
            request,
            "error.html",
            title=found.title,
            status=503,
            banner=f"{found.title}: {found}",
            heading="Nothing was changed" if writing else "Nothing to show until it recovers",
            message=(
                "The database could not record this; nothing was submitted. Send it again "
                "once the indicator at the top turns green."
                if writing
                else "This page shows live data only. Reload it once the database is back; "
                "the indicator at the top turns green when it is."
            ),
        )
    log.exception("dashboard error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(
        request,
        "error.html",
        title="Error",
        status=500,
        heading="This page failed",
        message="The server failed while building this page; the error is in its log.",
    )


def too_large_page(request: Request, reason: str) -> Response:
    """A form (or any body) larger than the dashboard or the server reads: refused, said so."""
    return render(
        request,
        "error.html",
        title="Form too large",
        status=413,
        heading="This form is too large to read",
        message=f"{reason[:1].upper()}{reason[1:]}. Nothing was submitted: go back, shorten "
        "the values and send it again.",
    )


def _audit_refusal(request: Request, reason: str) -> None:
    s = app_state(request)
    caller = request.scope.get("state", {}).get("caller")
    origin = caller.origin if isinstance(caller, Caller) else Origin("anonymous")
    target = f"{request.method} {request.url.path}"[:300]
    record_refused(
        s.db, origin, AuditAction.REFUSED, target, clock=s.clock, status=403, reason=reason[:300]
    )


def not_found_page(request: Request, message: str) -> Response:
    return render(
        request,
        "error.html",
        title="Not found",
        status=404,
        heading="Not found",
        message=message[:1].upper() + message[1:] + ".",
    )
