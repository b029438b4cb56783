"""`runplane notifications add|list|show|enable|disable|remove|test`.

Rules are matched by `runplane serve`; the variables a rule names must be set where
serve runs (this command checks them in its own environment, which should be the same).
"""

from __future__ import annotations

import json

import click

from runplane.cli.app import App, pass_app
from runplane.cli.render import table
from runplane.engine.notifications.matching import Links
from runplane.engine.notifications.rules import RuleSpec, remove_rule, save_rule, set_enabled
from runplane.engine.notifications.testing import send_test
from runplane.model.notification import NotifyEvent
from runplane.model.timefmt import absolute
from runplane.views.notifications import (
    get_rule_state,
    list_delivery_views,
    list_rule_states,
    rule_json,
)


def _split(value: str | None) -> list[str]:
    return [] if not value else [part.strip() for part in value.split(",") if part.strip()]


@click.group()
def notifications() -> None:
    """Tell someone when a run needs them: rules of when, what and where."""


@notifications.command("add")
@click.argument("name")
@click.option("--on", "events", required=True, help=f"Events: {', '.join(NotifyEvent)}.")
@click.option("--webhook-env", help="The variable holding the webhook URL.")
@click.option("--slack-env", help="The variable holding the Slack incoming-webhook URL.")
@click.option("--email", "emails", help="Addresses, comma-separated (RUNPLANE_SMTP_URL).")
@click.option("--pipeline", "pipelines", help="Pipeline names or globs, comma-separated.")
@click.option("--error-class", "error_classes", help="Error classes, e.g. data,transient.")
@click.option("--trigger", "triggers", help="Triggers: manual, api, scheduled.")
@click.option("--secret-env", help="The variable holding the webhook's signing secret.")
@click.option("--window", help="Repeats of a problem inside it are counted, not sent (1h).")
@click.option("--disabled", is_flag=True, help="Save it switched off.")
@pass_app
def add_command(
    app: App,
    name: str,
    events: str,
    webhook_env: str | None,
    slack_env: str | None,
    emails: str | None,
    pipelines: str | None,
    error_classes: str | None,
    triggers: str | None,
    secret_env: str | None,
    window: str | None,
    disabled: bool,
) -> None:
    """Add or replace a rule.

    \b
    runplane notifications add on-call --on failed,recovered \\
        --slack-env ONCALL_SLACK_URL --pipeline 'sales.*' --error-class data,transient
    """
    spec = RuleSpec(
        name=name,
        events=_split(events),
        pipelines=_split(pipelines),
        error_classes=_split(error_classes),
        triggers=_split(triggers),
        webhook_env=webhook_env,
        slack_env=slack_env,
        emails=_split(emails),
        secret_env=secret_env,
        window=window,
        enabled=not disabled,
    )
    rule, created = save_rule(app.db, spec, app.settings, by=app.caller.actor)
    where = ", ".join(f"{kind} {target}" for kind, target in rule.channels())
    events_text = ", ".join(rule.events)
    click.echo(f"{'Added' if created else 'Replaced'} rule {rule.name}: {events_text} to {where}")


@notifications.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_command(app: App, as_json: bool) -> None:
    """Every rule with its last message and failed deliveries."""
    states = list_rule_states(app.db)
    if as_json:
        click.echo(json.dumps([rule_json(s) for s in states], indent=2))
    elif not states:
        click.echo("No notification rules yet: add one with `runplane notifications add NAME`")
    else:
        rows = [
            [
                s.rule.name,
                ",".join(s.rule.events),
                " ".join(f"{k}:{t}" for k, t in s.rule.channels()),
                "enabled" if s.rule.enabled else "disabled",
                "never" if s.last_sent_at is None else absolute(s.last_sent_at),
                str(s.failed_deliveries),
                s.rule.source,
            ]
            for s in states
        ]
        headers = ["name", "events", "channels", "state", "last sent", "failed", "source"]
        click.echo(table(headers, rows))


@notifications.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show_command(app: App, name: str, as_json: bool) -> None:
    """One rule and its recent deliveries."""
    state = get_rule_state(app.db, name)
    deliveries = list_delivery_views(app.db, rule=name, limit=10)
    if as_json:
        click.echo(json.dumps(rule_json(state), indent=2))
        return
    r = state.rule
    lines = [
        f"Rule {r.name}" + ("" if r.enabled else " (disabled)"),
        f"  On:        {', '.join(r.events)}",
        f"  Pipelines: {', '.join(r.pipelines) or 'all'}",
        f"  Classes:   {', '.join(r.error_classes) or 'all'}",
        f"  Triggers:  {', '.join(r.triggers) or 'all'}",
        f"  Channels:  {', '.join(f'{k} {t}' for k, t in r.channels())}",
        f"  Window:    {r.window_seconds} s (repeats inside it are counted, not sent)",
        f"  Signed:    {'with $' + r.secret_env if r.secret_env else 'no'}",
        f"  Defined by: {r.source}",
    ]
    if deliveries:
        lines.append("Recent deliveries")
        for view in deliveries:
            d = view.delivery
            note = f"  ({d.last_error})" if d.last_error else ""
            lines.append(
                f"  {absolute(d.created_at)}  {d.message.event}  {d.channel} {d.state}"
                f" after {d.attempts} attempt(s){note}"
            )
    click.echo("\n".join(lines))


@notifications.command("enable")
@click.argument("name")
@pass_app
def enable_command(app: App, name: str) -> None:
    """Switch a rule on."""
    set_enabled(app.db, name, True, by=app.caller.actor)
    click.echo(f"Enabled rule {name}")


@notifications.command("disable")
@click.argument("name")
@pass_app
def disable_command(app: App, name: str) -> None:
    """Switch a rule off; it stays defined."""
    set_enabled(app.db, name, False, by=app.caller.actor)
    click.echo(f"Disabled rule {name}; it sends nothing until enabled")


@notifications.command("remove")
@click.argument("name")
@pass_app
def remove_command(app: App, name: str) -> None:
    """Delete a rule; the deliveries it made stay in the history."""
    remove_rule(app.db, name)
    click.echo(f"Removed rule {name}")


@notifications.command("test")
@click.argument("name")
@pass_app
def test_command(app: App, name: str) -> None:
    """Send a sample message through the rule's channels and say what each answered."""
    links = Links(app.settings.public_url or "http://127.0.0.1:8000")
    results = send_test(app.db, name, app.settings, links)
    for result in results:
        outcome = result.outcome
        said = "delivered" if outcome.delivered else f"not delivered: {outcome.error}"
        click.echo(f"{result.channel} {result.target}: {said}")
    if not all(r.outcome.delivered for r in results):
        raise click.exceptions.Exit(1)
