"""`runplane schedules list|show|add|enable|disable|remove`.

Schedules fire inside `runplane serve`; these commands change what it fires. Locked in
the basic tier, with the explanation.
"""

from __future__ import annotations

import json
from datetime import datetime

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.cli.params import parse_params
from runplane.cli.render import table
from runplane.engine.scheduling.schedules import (
    ScheduleSpec,
    remove_schedule,
    save_schedule,
    set_schedule_enabled,
)
from runplane.model import ExecutionStatus
from runplane.model.clock import utcnow
from runplane.model.schedule import CatchUp, ScheduleSource
from runplane.model.sla import SLA
from runplane.model.timefmt import absolute, relative_day
from runplane.tiers import Feature, locked_reason
from runplane.views.schedules import (
    ScheduleState,
    get_schedule_state,
    list_schedule_states,
    state_json,
)
from runplane.views.workers import executor_available


@click.group()
@pass_app
def schedules(app: App) -> None:
    """Run pipelines on a timetable (fired by `runplane serve`)."""
    locked = locked_reason(Feature.SCHEDULING, app.settings.tier)
    if locked is not None:
        raise BadInput(locked)


@schedules.command("list")
@click.option("--pipeline", help="Only the schedules of this pipeline.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_command(app: App, pipeline: str | None, as_json: bool) -> None:
    """Every schedule with its next run, last run and whether it is overdue."""
    now = utcnow()
    states = list_schedule_states(app.db, app.settings, pipeline=pipeline, clock=lambda: now)
    if as_json:
        click.echo(
            json.dumps([state_json(s, sla=app.settings.has(Feature.SLA)) for s in states], indent=2)
        )
    elif not states:
        click.echo(
            "No schedules yet: add one with `runplane schedules add NAME --pipeline P "
            "--cron '0 6 * * 2'`, or load a file with `runplane serve --schedules FILE`"
        )
    else:
        click.echo(
            table(
                ["name", "pipeline", "when", "next run (UTC)", "last run", "state", "source"],
                [_row(s, now) for s in states],
            )
        )


@schedules.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show_command(app: App, name: str, as_json: bool) -> None:
    """One schedule: its timetable, parameters and recent fires."""
    state = get_schedule_state(app.db, name, app.settings)
    if as_json:
        click.echo(
            json.dumps(state_json(state, fires=True, sla=app.settings.has(Feature.SLA)), indent=2)
        )
        return
    s = state.schedule
    lines = [
        f"Schedule {s.name}" + ("" if s.enabled else " (disabled)"),
        f"  Pipeline:   {s.pipeline}",
        f"  When:       {s.cron} in {s.timezone}: {state.description}",
        f"  Next run:   {_next(state)}",
        f"  Catch-up:   {s.catch_up} (which instants missed while no server ran still run)",
        *([f"  SLA:        {s.sla.describe()}"] if s.sla and app.settings.has(Feature.SLA) else []),
        f"  Defined by: {s.source}, updated {absolute(s.updated_at)} by {s.updated_by}",
    ]
    if state.overdue and state.last_due is not None:
        lines.append(f"  ⚠ Overdue:  its {absolute(state.last_due)} instant produced no execution")
    if s.params:
        lines.append("Parameters (templates are filled in at each instant)")
        lines += [f"  {key}: {value}" for key, value in s.params.items()]
    if state.recent_fires:
        lines.append("Recent fires")
        for view in state.recent_fires:
            fire = view.fire
            what = (fire.error or "") if view.execution is None else _run(view.execution.status)
            notes = (["late"] if fire.late else []) + (
                [f"{fire.skipped} missed instants skipped"] if fire.skipped else []
            )
            note = f"  ({'; '.join(notes)})" if notes else ""
            ran = fire.execution_id or "no execution"
            lines.append(f"  {absolute(fire.scheduled_for)}  {ran}  {what}{note}")
    click.echo("\n".join(lines))


@schedules.command("add")
@click.argument("name")
@click.option("--pipeline", required=True, help="The pipeline to run, e.g. runplane.noop.")
@click.option(
    "--cron",
    required=True,
    help="Five fields: minute hour day-of-month month day-of-week, e.g. '0 6 * * 2'.",
)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="The wall clock the cron expression is read on, e.g. America/New_York.",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter; may use templates: {{ today }}, {{ yesterday }}, and the data domains' own.",
)
@click.option(
    "--catch-up",
    type=click.Choice([str(c) for c in CatchUp]),
    default=str(CatchUp.LATEST),
    show_default=True,
    help="After downtime, run the latest missed instant, all of them, or none.",
)
@click.option(
    "--sla-max-duration",
    metavar="DURATION",
    help="SLA: longest one run may take, e.g. 30m (adds to or overrides the pipeline's).",
)
@click.option(
    "--sla-complete-within",
    metavar="DURATION",
    help="SLA: done this long after each scheduled instant, e.g. 1h or 1h30m.",
)
@click.option("--disabled", is_flag=True, help="Save it switched off.")
@click.option("--replace", is_flag=True, help="Replace a schedule of that name.")
@pass_app
def add_command(
    app: App,
    name: str,
    pipeline: str,
    cron: str,
    timezone: str,
    params: tuple[str, ...],
    catch_up: str,
    sla_max_duration: str | None,
    sla_complete_within: str | None,
    disabled: bool,
    replace: bool,
) -> None:
    """Add a schedule: a pipeline run on a cron timetable.

    \b
    runplane schedules add nightly-report --pipeline sales.daily_report \\
        --cron '0 6 * * 2-6' --timezone America/New_York \\
        -p 'day={{ yesterday }}' -p region=emea --sla-complete-within 1h
    """
    sla = None
    if sla_max_duration is not None or sla_complete_within is not None:
        locked = locked_reason(Feature.SLA, app.settings.tier)
        if locked is not None:
            raise BadInput(locked)
        sla = SLA(max_duration=sla_max_duration, complete_within=sla_complete_within)
    spec = ScheduleSpec(
        name=name,
        pipeline=pipeline,
        cron=cron,
        timezone=timezone,
        params=parse_params(params),
        enabled=not disabled,
        catch_up=CatchUp(catch_up),
        sla=sla,
    )
    schedule, created = save_schedule(
        app.db, spec, source=str(ScheduleSource.CLI), by=app.caller.actor, replace_existing=replace
    )
    state = get_schedule_state(app.db, schedule.name, app.settings)
    verb = "Added" if created else "Replaced"
    when = state.description[:1].lower() + state.description[1:]
    click.echo(
        f"{verb} schedule {schedule.name}: {schedule.pipeline}, {when} ({schedule.timezone}); "
        f"next run {_next(state)}"
    )
    _warn_without_server(app)


@schedules.command("enable")
@click.argument("name")
@pass_app
def enable_command(app: App, name: str) -> None:
    """Switch a schedule on; it fires from its next instant (nothing missed while off)."""
    schedule = set_schedule_enabled(app.db, name, True, by=app.caller.actor)
    state = get_schedule_state(app.db, schedule.name, app.settings)
    click.echo(f"Enabled {name}; next run {_next(state)}{_file_note(schedule.file)}")
    _warn_without_server(app)


@schedules.command("disable")
@click.argument("name")
@pass_app
def disable_command(app: App, name: str) -> None:
    """Switch a schedule off; it stays defined."""
    schedule = set_schedule_enabled(app.db, name, False, by=app.caller.actor)
    click.echo(f"Disabled {name}; it fires no more until enabled{_file_note(schedule.file)}")


@schedules.command("remove")
@click.argument("name")
@pass_app
def remove_command(app: App, name: str) -> None:
    """Delete a schedule; the executions it created stay."""
    remove_schedule(app.db, name, by=app.caller.actor)
    click.echo(f"Removed schedule {name}; its past executions stay in the history")


def _row(state: ScheduleState, now: datetime) -> list[str]:
    s = state.schedule
    last = state.last_fire
    if last is None:
        ran = "never"
    elif last.execution is None:
        ran = f"⚠ {'no execution' if last.fire.error is None else 'not run'} "
        ran += relative_day(last.fire.scheduled_for, now)
    else:
        ran = f"{_run(last.execution.status)} {relative_day(last.fire.scheduled_for, now)}"
    if not s.enabled:
        status = "disabled"
    elif state.overdue:
        status = "⚠ overdue"
    else:
        status = "enabled"
    next_run = "—" if state.next_run is None else relative_day(state.next_run, now)
    return [s.name, s.pipeline, f"{s.cron} {s.timezone}", next_run, ran, status, s.source]


def _run(status: str) -> str:
    return f"{ExecutionStatus(status).icon} {status}"


def _next(state: ScheduleState) -> str:
    if state.next_run is None:
        return "none (disabled)"
    text = absolute(state.next_run)
    if state.schedule.timezone not in ("UTC", "Etc/UTC"):
        text += f" ({state.local(state.next_run):%a %H:%M %Z} in {state.schedule.timezone})"
    return text


def _file_note(file: str | None) -> str:
    if file is None:
        return ""
    return f" (defined in {file}: its setting applies again when serve loads the file)"


def _warn_without_server(app: App) -> None:
    if not executor_available(app.db, app.settings):
        click.echo(
            "note: schedules fire while `runplane serve` runs; none is running now", err=True
        )
