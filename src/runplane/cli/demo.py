"""`runplane demo`: a fresh embedded database, 30 days of synthetic history (the built-ins'
and each domain's, written backdated, never run), each data domain's sample data through
the real pipelines and executor (successes and realistic failures, as its `Domain.demo`
plans them), its schedules and a heartbeat, one long run left going, then the dashboard
and API.

Everything lives under `$RUNPLANE_HOME/demo`, replaced on every run; the data is
generated, so the demo works on a clone with nothing else beside it.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from runplane.cli import demo_past
from runplane.cli.app import App, pass_app
from runplane.cli.demofile import announced
from runplane.cli.render import EXECUTION_HEADERS, execution_row, table
from runplane.cli.serve import check_port, next_port, run_server
from runplane.engine.demo_history import write_history
from runplane.engine.running.context import fetch_policy
from runplane.engine.scheduling.schedules import ScheduleSpec, save_schedule
from runplane.engine.service import submit_execution
from runplane.model import Execution, Trigger
from runplane.model.clock import utcnow
from runplane.model.schedule import ScheduleSource
from runplane.plugins import DemoPlan, DemoPlanner, DemoRun, Domain, resolve_all
from runplane.settings import Settings
from runplane.store import Database, open_database
from runplane.store import executions as store
from runplane.store.schema import upgrade
from runplane.tiers import Feature
from runplane.views.workers import executor_available

WAIT_SECONDS = 180
HEARTBEAT = ScheduleSpec(name="heartbeat", pipeline="runplane.noop", cron="*/10 * * * *")
"""A run every ten minutes, so scheduled executions appear while the demo serves."""
LONG_RUN = DemoRun("runplane.sleep", {"seconds": 1800})
"""Started once the demo's runs ended, so one execution is running while you look."""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--rows",
    default=3_000,
    show_default=True,
    type=click.IntRange(10, 1_000_000),
    help="Rows per sample file (e.g. per synthetic week).",
)
@click.option("--no-serve", is_flag=True, help="Run the demo executions, list them and exit.")
@pass_app
def demo(app: App, host: str, port: int, rows: int, no_serve: bool) -> None:
    """Run each data domain's sample data through the real pipelines, then serve the dashboard."""
    from runplane.engine.serving.runtime import ServingRuntime

    settings = _demo_settings(app.settings)
    if not no_serve:
        other = next_port(port)
        check_port(host, port, f"runplane demo --port {other}", f"make demo PORT={other}")
    db = _fresh_database(settings, app.domains)
    with _unavailable_upstream() as upstream:
        settings = _allowing(settings, upstream)
        plans = _plans(app.domains, settings.data_dir, rows, upstream)
        _history(db, plans, app.caller.actor, settings)
        runtime = ServingRuntime(db, settings)
        runtime.start()
        try:
            executions = _wait(db, _submit(db, plans, app.caller.actor))
            if not no_serve:  # one still running while you look
                submit_execution(
                    db, LONG_RUN.pipeline, dict(LONG_RUN.params), trigger=Trigger.MANUAL,
                    triggered_by=app.caller.actor,
                )  # fmt: skip
            if settings.has(Feature.SCHEDULING):  # saved after the runs: none is scheduled
                for spec in _schedules(plans):
                    save_schedule(db, spec, source=str(ScheduleSource.CLI), by=app.caller.actor)
        except BaseException:
            runtime.stop()
            raise
        click.echo(table(EXECUTION_HEADERS, [execution_row(e, utcnow()) for e in executions]))
        _explain(settings)
        if no_serve:
            runtime.stop()
            return
        with announced(settings, f"http://{host}:{port}"):
            run_server(db, settings, runtime, host=host, port=port)


def _demo_settings(settings: Settings) -> Settings:
    home = (settings.home / "demo").resolve()
    return settings.model_copy(
        update={
            "home": home,
            "database_url": f"sqlite:///{home / 'runplane.db'}",
            "data_dir": home / "data",
        }
    )


def _allowing(settings: Settings, upstream: str) -> Settings:
    """The settings with the stub upstream's address allowed as a source, besides the hosts
    allowed already (the domains' own unless RUNPLANE_ALLOWED_SOURCE_HOSTS is set)."""
    hosts = fetch_policy(settings).hosts | {urlsplit(upstream).netloc}
    return settings.model_copy(update={"allowed_source_hosts": sorted(hosts)})


class DemoRefused(click.ClickException):
    exit_code = 2


def _fresh_database(settings: Settings, domains: Sequence[Domain]) -> Database:
    """Replace the previous demo; refused while a server still runs on it."""
    previous = settings.home / "runplane.db"
    if previous.exists():
        old = open_database(settings)
        try:
            serving = executor_available(old, settings)
        except Exception:  # an unreadable or older demo database is simply replaced
            serving = False
        finally:
            old.dispose()
        if serving:
            raise DemoRefused(
                f"a Runplane server is still running on the demo database {previous}; "
                "stop it (Ctrl-C) before starting a new demo"
            )
    for path in settings.home.glob("runplane.db*"):
        path.unlink()
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    db = open_database(settings)
    upgrade(db, domains)
    click.echo(f"Created a fresh demo database at {db.location}", err=True)
    return db


def _plans(domains: Sequence[Domain], data_dir: Path, rows: int, upstream: str) -> list[DemoPlan]:
    """Each domain's plan, its sample data written; what it wrote is said on stderr."""
    planners: list[DemoPlanner] = resolve_all(domains, "demo")
    plans = [planner(data_dir, rows, upstream) for planner in planners]
    for note in (note for plan in plans for note in plan.notes):
        click.echo(note, err=True)
    return plans


def _history(db: Database, plans: Sequence[DemoPlan], actor: str, settings: Settings) -> None:
    """The synthetic past: the built-ins' and each domain's, written backdated; its counts
    are said on stderr."""
    now = utcnow()
    counts: Counter[str] = Counter()
    for past in (demo_past.history(now), *(plan.history for plan in plans)):
        counts += write_history(db, past, now=now, actor=actor, rates=settings.rate_card)
    shown = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items()))
    click.echo(
        f"Wrote {counts.total()} synthetic past executions over the last {demo_past.DAYS} days "
        f"({shown}); their logs say they were written, not run",
        err=True,
    )


def _submit(db: Database, plans: Sequence[DemoPlan], actor: str) -> list[str]:
    """The plans' runs, in order, as the operator running the demo starts them (recorded as
    that CLI caller, one of the documented `triggered_by` forms)."""
    return [
        submit_execution(
            db, run.pipeline, dict(run.params), trigger=Trigger.MANUAL, triggered_by=actor,
            dry_run=run.dry_run,
        ).execution_id
        for plan in plans
        for run in plan.runs
    ]  # fmt: skip


def _schedules(plans: Sequence[DemoPlan]) -> list[ScheduleSpec]:
    """The domains' schedules, then the heartbeat."""
    specs = [
        ScheduleSpec(s.name, s.pipeline, s.cron, s.timezone, dict(s.params))
        for plan in plans
        for s in plan.schedules
    ]
    return [*specs, demo_past.NIGHTLY, HEARTBEAT]


def _wait(db: Database, execution_ids: list[str]) -> list[Execution]:
    """Until every demo run (and the backfill's children) ended; newest first."""
    deadline = time.monotonic() + WAIT_SECONDS
    click.echo("Running the demo executions", nl=False, err=True)
    while True:
        with db.read() as conn:
            statuses = store.list_statuses(conn, execution_ids)
        if all(status.is_final for status in statuses.values()):
            break
        if time.monotonic() > deadline:
            click.echo(" still running; serving anyway", err=True)
            break
        click.echo(".", nl=False, err=True)
        time.sleep(0.5)
    click.echo("", err=True)
    with db.read() as conn:
        runs = [store.get_execution(conn, execution_id) for execution_id in execution_ids]
        children = [c for run in runs for c in store.list_children(conn, run.execution_id)]
    return sorted(runs + children, key=lambda e: (e.created_at, e.execution_id), reverse=True)


def _explain(settings: Settings) -> None:
    click.echo(
        "\nThe 503 comes from a stub upstream on 127.0.0.1 started by this demo; its automatic "
        "retries fail the same way while the demo runs.\n"
        "While it serves, runplane commands in another terminal in this folder use the demo's "
        f"database ({settings.home / 'runplane.db'}), e.g. `runplane executions list`.",
        err=True,
    )


class _Unavailable(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"Service Temporarily Unavailable (Runplane demo stub)"
        self.send_response(503)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Retry-After", "300")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _unavailable_upstream() -> Iterator[str]:
    """A local stand-in for an upstream under maintenance: every request gets HTTP 503."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-upstream", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
