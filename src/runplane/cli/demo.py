"""`runplane demo`: a fresh embedded database, synthetic FINRA weeks through the real
pipelines and executor (successes and realistic failures), two schedules, then the
dashboard and API.

Everything lives under `$RUNPLANE_HOME/demo`, replaced on every run; the data is
generated, so the demo works on a clone with nothing else beside it.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click

from runplane.cli.app import App, pass_app
from runplane.cli.render import EXECUTION_HEADERS, execution_row, table
from runplane.cli.serve import run_server
from runplane.engine.scheduling.schedules import ScheduleSpec, save_schedule
from runplane.engine.service import submit_execution
from runplane.model import Execution, Trigger
from runplane.model.clock import utcnow
from runplane.model.schedule import ScheduleSource
from runplane.settings import Settings
from runplane.store import Database, open_database
from runplane.store import executions as store
from runplane.store.schema import upgrade
from runplane.tiers import Feature
from runplane.views.workers import executor_available

TIER = "OTC"
WEEKS = (date(2025, 12, 1), date(2025, 12, 8), date(2025, 12, 15))
UNPUBLISHED_WEEK = date(2025, 12, 22)
"""The week the stub upstream refuses with 503: never ingested, so nothing downstream runs."""
WAIT_SECONDS = 180
SCHEDULES = (
    ScheduleSpec(
        name="finra-weekly",
        pipeline="finra.otc_transparency.ingest_week",
        cron="0 6 * * 2",
        timezone="America/New_York",
        params={"week_ending": "{{ last_week_ending }}", "tier": TIER},
    ),
    ScheduleSpec(name="heartbeat", pipeline="runplane.noop", cron="*/10 * * * *"),
)
"""FINRA's weekly ingest as an operator would schedule it, and a run every ten minutes so
scheduled executions appear while the demo serves."""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--rows",
    default=3_000,
    show_default=True,
    type=click.IntRange(10, 1_000_000),
    help="Rows per synthetic week.",
)
@click.option("--no-serve", is_flag=True, help="Run the demo executions, list them and exit.")
@pass_app
def demo(app: App, host: str, port: int, rows: int, no_serve: bool) -> None:
    """Run synthetic FINRA weeks through the real pipelines, then serve the dashboard."""
    from runplane.engine.serving.runtime import ServingRuntime

    settings = _demo_settings(app.settings)
    db = _fresh_database(settings)
    _write_weeks(settings.data_dir, rows)
    with _unavailable_upstream() as upstream:
        runtime = ServingRuntime(db, settings)
        runtime.start()
        try:
            executions = _wait(db, _submit(db, upstream))
            if settings.has(Feature.SCHEDULING):  # saved after the runs: none is scheduled
                for spec in SCHEDULES:
                    save_schedule(db, spec, source=str(ScheduleSource.CLI), by="demo")
        except BaseException:
            runtime.stop()
            raise
        click.echo(table(EXECUTION_HEADERS, [execution_row(e, utcnow()) for e in executions]))
        _explain(settings)
        if no_serve:
            runtime.stop()
            return
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


class DemoRefused(click.ClickException):
    exit_code = 2


def _fresh_database(settings: Settings) -> Database:
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
    upgrade(db)
    click.echo(f"Created a fresh demo database at {db.location}", err=True)
    return db


def _write_weeks(data_dir: Path, rows: int) -> None:
    from runplane.domains.finra_otc.params import MarketTier
    from runplane.domains.finra_otc.synthetic import write_weeks

    files = write_weeks(data_dir, tier=MarketTier(TIER), weeks=list(WEEKS), rows=rows, bad_rows=1)
    click.echo(
        f"Wrote {len(files)} synthetic {TIER} weeks of {rows:,} rows to {data_dir} "
        "(every security name ends with '(synthetic)'; one row per week is bad on purpose)",
        err=True,
    )


def _submit(db: Database, upstream: str) -> list[str]:
    """The demo's runs: a backfill that succeeds, a dry run, and three kinds of failure."""
    week = UNPUBLISHED_WEEK.isoformat()
    runs: list[tuple[str, dict[str, Any], bool]] = [
        (
            "finra.otc_transparency.backfill_range",
            {"start": WEEKS[0].isoformat(), "end": WEEKS[-1].isoformat(), "tiers": TIER},
            False,
        ),
        (
            "finra.otc_transparency.ingest_week",
            {"week_ending": week, "tier": TIER, "source": f"{upstream}/otc/{week}.psv"},
            False,
        ),
        (
            "finra.otc_transparency.ingest_week",
            {"week_ending": WEEKS[-1].isoformat(), "tier": "NMS_TIER_1"},
            False,
        ),
        ("finra.otc_transparency.aggregate_week", {"week_ending": week, "tier": TIER}, False),
        (
            "finra.otc_transparency.ingest_week",
            {"week_ending": WEEKS[0].isoformat(), "tier": TIER, "force": True},
            True,
        ),
    ]
    return [
        submit_execution(
            db, pipeline, params, trigger=Trigger.MANUAL, triggered_by="demo", dry_run=dry_run
        ).execution_id
        for pipeline, params, dry_run in runs
    ]


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
    env = f"RUNPLANE_HOME={settings.home} RUNPLANE_DATA_DIR={settings.data_dir}"
    click.echo(
        "\nThe 503 comes from a stub upstream on 127.0.0.1 started by this demo; its automatic "
        "retries fail the same way while the demo runs.\n"
        f"Inspect from another terminal: {env} runplane executions list",
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
