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
    bulk,
    compare,
    execution,
    executions,
    log_search,
    login,
    logs,
    notifications,
    overview,
    pipeline,
    pipelines,
    schedules,
    tiers,
)
from runplane.web.parts import DashboardPart, MountedParts
from runplane.web.security import DashboardHeaders
from runplane.web.templating import STATIC, add_domain_files
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


def _domain_parts(app: FastAPI, domains: Sequence[Domain]) -> list[tuple[str, DashboardPart]]:
    """Each domain's dashboard part, by the domain's name, its files made findable."""
    parts = []
    for domain in domains:
        for part in resolve_all([domain], "dashboard"):
            if not isinstance(part, DashboardPart):
                raise TypeError(f"{domain.name}'s dashboard names {part!r}, not a DashboardPart")
            add_domain_files(domain.name, part.templates, part.static)
            if part.static is not None:
                app.mount(
                    f"{PREFIX}/static/{domain.name}",
                    CachedStatic(directory=part.static),
                    name=f"dashboard-static-{domain.name}",
                )
            parts.append((domain.name, part))
    return parts


def mount_dashboard(app: FastAPI, domains: Sequence[Domain] = ()) -> None:
    """Add the dashboard to `app` (whose state carries db, settings, runtime and list
    caches), with the part each of `domains` names in its `dashboard`."""
    parts = _domain_parts(app, domains)  # their static files first: /static would take them
    app.mount(f"{PREFIX}/static", CachedStatic(directory=STATIC), name="dashboard-static")
    for module in (
        login, overview, executions, compare, execution, logs, log_search, actions, bulk,
        pipelines, pipeline, schedules, notifications,
    ):  # fmt: skip
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    for _, part in parts:
        for router in part.routers:
            app.include_router(router, prefix=PREFIX, include_in_schema=False)
    app.state.dashboard_parts = MountedParts(
        tuple(part for _, part in parts),
        tuple(f"{name}/{sheet}" for name, part in parts for sheet in part.stylesheets),
    )
    app.include_router(tiers.router, prefix=PREFIX, include_in_schema=False)
    app.include_router(fallback, prefix=PREFIX, include_in_schema=False)
    app.add_middleware(DashboardHeaders)
