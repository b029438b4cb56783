"""Mounts the dashboard into the API's application: pages under `/dashboard`, static files
with long cache lifetimes, security headers and compression for dashboard responses only.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from runplane.web.errors import DashboardRoute, not_found_page
from runplane.web.pages import (
    actions,
    assets,
    execution,
    executions,
    logs,
    overview,
    pipeline,
    pipelines,
    schedules,
    tiers,
)
from runplane.web.security import DashboardHeaders
from runplane.web.templating import STATIC
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


def mount_dashboard(app: FastAPI) -> None:
    """Add the dashboard to `app` (whose state carries db, settings, runtime and list caches)."""
    app.mount(f"{PREFIX}/static", CachedStatic(directory=STATIC), name="dashboard-static")
    for module in (
        overview,
        executions,
        execution,
        logs,
        actions,
        pipelines,
        pipeline,
        schedules,
        assets,
    ):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    app.include_router(tiers.router, prefix=PREFIX, include_in_schema=False)
    app.include_router(fallback, prefix=PREFIX, include_in_schema=False)
    app.add_middleware(DashboardHeaders)
