"""Builds the ASGI application `runplane serve` runs: the JSON API under `/v1`, health, metrics.

The routers are thin; what they share (database, settings, the serving runtime, the
list's count cache, metrics) lives on `app.state` and reaches them through `api/deps.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio.to_thread
from fastapi import FastAPI

from runplane import __version__
from runplane.api import assets, errors, executions, health, pipelines
from runplane.api.openapi import published_openapi
from runplane.engine.listing import CountCache
from runplane.engine.metrics import EngineMetrics
from runplane.engine.runtime import ServingRuntime
from runplane.pipelines import registry
from runplane.settings import Settings
from runplane.store import Database

DESCRIPTION = (
    "Trigger, watch, debug, retry and cancel pipeline executions. Times are UTC ISO-8601; "
    "errors are `application/problem+json` with a sentence in `detail`."
)


THREADS = 5
"""Route functions run at once in the thread pool: the store's connection pool size, so
requests reuse warm pooled connections instead of opening and closing overflow ones."""


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def create_app(
    db: Database, settings: Settings, *, runtime: ServingRuntime | None = None
) -> FastAPI:
    app = FastAPI(
        title="Runplane", version=__version__, description=DESCRIPTION, lifespan=_lifespan
    )
    registry.load(settings.pipeline_modules)
    app.state.db = db
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.counts = CountCache()
    app.state.metrics = runtime.metrics if runtime is not None else EngineMetrics(db)
    errors.install(app)
    app.include_router(health.router)
    app.include_router(executions.router)
    app.include_router(pipelines.router)
    app.include_router(assets.router)
    app.openapi = partial(published_openapi, app)  # type: ignore[method-assign]
    return app
