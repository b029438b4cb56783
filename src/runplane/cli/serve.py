"""`runplane serve`: dashboard, API, scheduler and local executor in one process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from runplane.cli.app import App, pass_app
from runplane.settings import Settings
from runplane.store import Database

if TYPE_CHECKING:
    from runplane.engine.runtime import ServingRuntime


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """Serve the dashboard and API, and run executions."""
    from runplane.engine.runtime import ServingRuntime

    runtime = ServingRuntime(app.db, app.settings)
    runtime.start()
    run_server(app.db, app.settings, runtime, host=host, port=port)


def run_server(
    db: Database, settings: Settings, runtime: ServingRuntime, *, host: str, port: int
) -> None:
    """Serve the web app beside a started runtime until interrupted, then stop the runtime."""
    import uvicorn

    from runplane.api.app import create_app

    click.echo(f"Runplane {settings.tier} tier · database {db.location}", err=True)
    click.echo(
        f"Dashboard: http://{host}:{port}/dashboard  ·  API: http://{host}:{port}/v1", err=True
    )
    try:
        uvicorn.run(
            create_app(db, settings, runtime=runtime), host=host, port=port, log_level="warning"
        )
    finally:
        runtime.stop()
