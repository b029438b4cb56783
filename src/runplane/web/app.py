"""Mounts the dashboard into the API's application: pages under `/dashboard` (the core's,
then each data domain's), static files with long cache lifetimes, security headers and
compression for dashboard responses only.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from runplane.plugins import Domain, resolve_all
from runplane.web.errors import DashboardRoute, not_found_page
from runplane.web.pages import (
    actions,
    execution,
    executions,
    logs,
    overview,
    pipeline,
    pipelines,
    schedules,
    tiers,
)
from runplane.web.parts import DashboardPart, MountedParts
from runplane.web.security import DashboardHeaders
from runplane.web.templating import STATIC, add_domain_templates
from runplane.web.urls import PREFIX

YEAR = 365 * 24 * 3600


class CachedStatic(StaticFiles):
    """Static files; a versioned URL (`?v=<hash>`, as pages link them) is cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = (
            f"public, max-age={YEAR}, immutable" if versioned else "no-cache"
        )
        return response


fallback = APIRouter(route_class=DashboardRoute)


@fallback.get("/{path:path}")
def unknown_page(request: Request, path: str) -> Response:
    """Any other address under /dashboard: a 404 page inside the shell."""
    return not_found_page(request, f"there is no dashboard page at /dashboard/{path}")


def mount_dashboard(app: FastAPI, domains: Sequence[Domain] = ()) -> None:
    """Add the dashboard to `app` (whose state carries db, settings, runtime and list
    caches), with the part each of `domains` names in its `dashboard`."""
    app.mount(f"{PREFIX}/static", CachedStatic(directory=STATIC), name="dashboard-static")
    for module in (overview, executions, execution, logs, actions, pipelines, pipeline, schedules):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    parts = []
    for domain in domains:
        for part in resolve_all([domain], "dashboard"):
            if not isinstance(part, DashboardPart):
                raise TypeError(f"{domain.name}'s dashboard names {part!r}, not a DashboardPart")
            if part.templates is not None:
                add_domain_templates(domain.name, part.templates)
            for router in part.routers:
                app.include_router(router, prefix=PREFIX, include_in_schema=False)
            parts.append(part)
    app.state.dashboard_parts = MountedParts(tuple(parts))
    app.include_router(tiers.router, prefix=PREFIX, include_in_schema=False)
    app.include_router(fallback, prefix=PREFIX, include_in_schema=False)
    app.add_middleware(DashboardHeaders)
