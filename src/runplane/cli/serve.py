"""`runplane serve`: dashboard, API, scheduler and local executor in one process."""

from __future__ import annotations

import click

from runplane.cli.app import App, pass_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """Serve the dashboard and API, and run executions."""
    import uvicorn

    from runplane.api.app import create_app
    from runplane.engine.runtime import ServingRuntime

    db = app.db
    runtime = ServingRuntime(db, app.settings)
    runtime.start()
    click.echo(f"Runplane {app.settings.tier} tier · database {db.location}", err=True)
    click.echo(
        f"Dashboard: http://{host}:{port}/dashboard  ·  API: http://{host}:{port}/v1", err=True
    )
    try:
        uvicorn.run(
            create_app(db, app.settings, runtime=runtime), host=host, port=port, log_level="warning"
        )
    finally:
        runtime.stop()
