"""The JSON API's routers and error handlers, added to the application `server.py` builds."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from runplane.api import audit, errors, executions, health, pipelines, schedules


def install_api(app: FastAPI, domain_routers: Sequence[APIRouter] = ()) -> None:
    """Add `/health`, `/metrics` and everything under `/v1`, with problem+json errors; the
    data domains' routers come after the core's, in the order of their domains."""
    errors.install(app)
    for module in (health, executions, pipelines, schedules, audit):
        app.include_router(module.router)
    for router in domain_routers:
        if not isinstance(router, APIRouter):
            raise TypeError(f"a domain's api names {router!r}, which is not an APIRouter")
        app.include_router(router)
