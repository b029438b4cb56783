"""Builds the ASGI application `runplane serve` runs: the JSON API under `/v1`, health, metrics,
and the dashboard under `/dashboard` (`/` redirects there).

The adapters are thin; what they share (database, settings, the serving runtime, the
list caches, metrics, the clock) lives on `app.state` and reaches them through
`api/deps.py` and `web/deps.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from runplane import __version__, access
from runplane.api.body_limit import BodyLimit
from runplane.api.deps import ListCaches
from runplane.api.docs import install_docs
from runplane.api.openapi import published_openapi
from runplane.api.routes import install_api
from runplane.engine.serving.metrics import EngineMetrics
from runplane.engine.serving.runtime import ServingRuntime
from runplane.engine.serving.storage_watch import StorageWatch
from runplane.model.clock import Clock, utcnow
from runplane.pipelines import registry
from runplane.plugins import resolve_all
from runplane.settings import Settings
from runplane.store import Database
from runplane.web.app import mount_dashboard
from runplane.web.errors import too_large_page
from runplane.web.urls import PREFIX

DESCRIPTION = (
    "Trigger, watch, debug, retry and cancel pipeline executions. Times are UTC ISO-8601; "
    "errors are `application/problem+json` with a sentence in `detail`."
)


SQLITE_THREADS = 1
"""Threads running route functions on SQLite. Its work is CPU time in this process, so more
threads only contend for the GIL: one sustained about a third more list requests/s than
five on the benchmark file, at lower CPU per request."""
SERVER_THREADS = 5
"""Threads on a database server, whose work waits on the network: the store's pool size,
so requests reuse pooled connections instead of opening and closing overflow ones."""


def _threads_for(db: Database) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = SQLITE_THREADS if db.dialect == "sqlite" else SERVER_THREADS
        yield

    return lifespan


def create_app(
    db: Database,
    settings: Settings,
    *,
    runtime: ServingRuntime | None = None,
    clock: Clock = utcnow,
    bind: str | None = None,
) -> FastAPI:
    """The application; `clock` is what every page and route reads as now (tests move it),
    `bind` the address `serve` listens on (an allowed host unless RUNPLANE_ALLOWED_HOSTS)."""
    app = FastAPI(
        title="Runplane", version=__version__, description=DESCRIPTION, lifespan=_threads_for(db),
        docs_url=None, redoc_url=None,
    )  # fmt: skip
    domains = registry.load(settings.pipeline_modules)
    app.state.db = db
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.clock = clock
    app.state.list_caches = ListCaches()
    app.state.metrics = runtime.metrics if runtime is not None else EngineMetrics(db)
    app.state.metrics.watch_workers(settings, clock)
    app.state.storage = runtime.storage if runtime is not None else StorageWatch(db, settings)
    install_api(app, resolve_all(domains, "api"))
    app.openapi = partial(published_openapi, app)  # type: ignore[method-assign]
    install_docs(app)
    app.add_middleware(  # inside the dashboard's headers, which mount_dashboard adds
        BodyLimit, limit=settings.max_body_bytes, page=too_large_page, page_prefix=PREFIX
    )
    mount_dashboard(app, domains)
    app.add_api_route("/", _to_dashboard, include_in_schema=False)
    access.install(app, settings, bind=bind, clock=clock)  # outermost: before any routing
    return app


async def _to_dashboard() -> RedirectResponse:
    """The root address opens the dashboard."""
    return RedirectResponse(PREFIX, status_code=307)
