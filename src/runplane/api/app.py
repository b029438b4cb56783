"""Builds the ASGI application `runplane serve` runs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from runplane import __version__
from runplane.engine.runtime import ServingRuntime
from runplane.settings import Settings
from runplane.store import Database


def create_app(
    db: Database, settings: Settings, *, runtime: ServingRuntime | None = None
) -> FastAPI:
    app = FastAPI(title="Runplane", version=__version__)
    app.state.db = db
    app.state.settings = settings
    app.state.runtime = runtime

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Whether the database answers and the executor is alive."""
        with db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "executor": runtime is not None and runtime.executor.alive}

    return app
