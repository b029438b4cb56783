"""The JSON API's routers and error handlers, added to the application `server.py` builds.

Every operation may answer 503 when the database cannot serve it (full, busy, gone), so
that answer is documented once here rather than on each route.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from runplane.api import (
    audit,
    bulk,
    errors,
    executions,
    health,
    log_search,
    notifications,
    pipelines,
    schedules,
    workers,
)  # fmt: skip


def install_api(app: FastAPI, domain_routers: Sequence[APIRouter] = ()) -> None:
    """Add `/health`, `/metrics` and everything under `/v1`, with problem+json errors; the
    data domains' routers come after the core's, in the order of their domains."""
    errors.install(app)
    for module in (
        health,
        executions,
        bulk,
        log_search,
        pipelines,
        schedules,
        notifications,
        audit,
        workers,
    ):
        app.include_router(module.router, responses=errors.problems(503))
    for router in domain_routers:
        if not isinstance(router, APIRouter):
            raise TypeError(f"a domain's api names {router!r}, which is not an APIRouter")
        app.include_router(router, responses=errors.problems(503))
