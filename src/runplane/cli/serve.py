"""`runplane serve`: dashboard, API, scheduler and local executor in one process."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.engine.distributed.config import check_celery
from runplane.origins import Origins
from runplane.settings import Settings
from runplane.store import Database
from runplane.tiers import Feature, locked_reason
from runplane.views.access import users_exist

if TYPE_CHECKING:
    from runplane.engine.notifications.matching import Links
    from runplane.engine.serving.runtime import ServingRuntime


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--schedules",
    "schedules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file of [schedules.NAME] tables to add or update by name at start.",
)
@pass_app
def serve(app: App, host: str, port: int, schedules_file: Path | None) -> None:
    """Serve the dashboard and API, run executions and fire schedules."""
    from runplane.engine.serving.runtime import ServingRuntime

    check_port(host, port, f"runplane serve --port {next_port(port)}")
    check_celery(app.settings)
    check_bind(app.db, app.settings, host)
    if schedules_file is not None:
        _load_schedules(app, schedules_file)
        _load_notifications(app, schedules_file)
    runtime = ServingRuntime(app.db, app.settings, links=_links(app, host, port))
    runtime.start()
    run_server(app.db, app.settings, runtime, host=host, port=port)


def check_port(host: str, port: int, *how: str) -> None:
    """Refuse at once (exit 2) when another program already listens on `host:port`, before
    any work is done, saying how to pick another (`how`, e.g. `runplane serve --port 8001`)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror}") from None
            raise BadInput(
                f"port {port} on {host} is busy: another program listens on it; "
                "pick another with " + " or ".join(f"`{h}`" for h in how)
            ) from None


def next_port(port: int) -> int:
    """The port to suggest instead of a busy one."""
    return port + 1 if port < 65535 else 8000


UVICORN_OPTIONS: dict[str, Any] = {
    "access_log": False,
    "proxy_headers": False,
}
"""Forwarded headers are read by the front door alone (`access/peers.py`): uvicorn's own
middleware would believe any loopback client's `X-Forwarded-For` before
`RUNPLANE_TRUSTED_PROXIES` is consulted. The access log is off rather than filtered by
the warning level, which still called its logger: both cost every request."""


def run_server(
    db: Database, settings: Settings, runtime: ServingRuntime, *, host: str, port: int
) -> None:
    """Serve the web app beside a started runtime until interrupted, then stop the runtime."""
    import uvicorn

    from runplane.server import create_app

    with db.read() as conn:
        configured = users_exist(conn)
    base = settings.public_url.rstrip("/") or f"http://{_url_host(host)}:{port}"
    click.echo(f"Runplane {settings.tier} tier · database {db.location}", err=True)
    click.echo(f"Dashboard: {base}/dashboard  ·  API: {base}/v1", err=True)
    if configured:
        click.echo(
            f"Sign in at {base}/dashboard/login as a Runplane user (`runplane users list`); "
            "API clients send `Authorization: Bearer <token>` (`runplane tokens create NAME "
            "--user USER`)",
            err=True,
        )
    else:
        click.echo(
            "No users configured: every request acts as the local admin, on loopback only. "
            "Add users with `runplane users add NAME --role admin` to require logins.",
            err=True,
        )
    try:
        uvicorn.run(
            create_app(db, settings, runtime=runtime, bind=host),
            host=host,
            port=port,
            log_level="warning",
            **UVICORN_OPTIONS,
        )
    finally:
        runtime.stop()


def check_bind(db: Database, settings: Settings, host: str) -> None:
    """Refuse to serve beyond loopback while no users exist, and a wildcard bind without
    RUNPLANE_ALLOWED_HOSTS; each message says what to do."""
    with db.read() as conn:
        configured = users_exist(conn)
    if not configured and not _loopback(host):
        raise BadInput(
            f"no users are configured, so Runplane serves on loopback only (127.0.0.1) and "
            f"acts as the local admin; to serve on {host}, add an admin first: "
            "`runplane users add NAME --role admin`"
        )
    try:
        Origins.of(settings, bind=host)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _links(app: App, host: str, port: int) -> Links:
    """Where messages link to: the public URL, or this loopback address; refused when rules
    would link to an address nobody else can reach."""
    from runplane.engine.notifications.matching import Links
    from runplane.store import notifications as rule_store

    if app.settings.public_url:
        return Links(app.settings.public_url)
    if not _loopback(host):
        with app.db.read() as conn:
            if rule_store.list_rules(conn, enabled=True):
                raise BadInput(
                    "notification messages link to executions: set RUNPLANE_PUBLIC_URL to the "
                    f"address users reach (serving on {host}), or disable the rules"
                )
    return Links(f"http://{_url_host(host)}:{port}")


def _load_notifications(app: App, path: Path) -> None:
    """Upsert the file's [notifications.NAME] rules; a bad rule stops the start."""
    from runplane.engine.errors import InvalidRule
    from runplane.engine.notifications.rule_file import load_rules

    try:
        result = load_rules(app.db, path, app.settings, by=app.caller.actor)
    except InvalidRule as exc:
        raise BadInput(str(exc)) from None
    counts = [
        f"{len(names)} {label}"
        for names, label in ((result.added, "added"), (result.updated, "updated"),
                             (result.removed, "removed (no longer in the file)"))
        if names
    ]  # fmt: skip
    if counts:
        click.echo(f"Notification rules from {path}: {', '.join(counts)}", err=True)


def _load_schedules(app: App, path: Path) -> None:
    """Upsert the file's schedules before anything fires; a bad file stops the start."""
    from runplane.engine.scheduling.schedule_file import load_schedule_file

    locked = locked_reason(Feature.SCHEDULING, app.settings.tier)
    if locked is not None:
        raise BadInput(f"--schedules: {locked}")
    result = load_schedule_file(app.db, path, by=app.caller.actor)
    counts = [
        f"{len(names)} {label}"
        for names, label in (
            (result.added, "added"),
            (result.updated, "updated"),
            (result.unchanged, "unchanged"),
            (result.removed, "removed (no longer in the file)"),
        )
        if names
    ]
    click.echo(f"Schedules from {path}: {', '.join(counts) or 'none defined'}", err=True)
    for name, source in result.taken_over.items():
        click.echo(f"  {name} was defined by {source}; the file defines it now", err=True)
