"""The JSON API's routers and error handlers, added to the application `server.py` builds.

Every operation may answer 503 when the database cannot serve it (full, busy, gone), so
that answer is documented once here rather than on each route.
"""

from __future__ import annotations

from fastapi import FastAPI

from runplane.api import assets, errors, executions, health, pipelines, schedules


def install_api(app: FastAPI) -> None:
    """Add `/health`, `/metrics` and everything under `/v1`, with problem+json errors."""
    errors.install(app)
    for module in (health, executions, pipelines, schedules, assets):
        app.include_router(module.router, responses=errors.problems(503))
