"""`runplane tokens create|list|revoke`: API tokens, shown once at creation, stored hashed."""

from __future__ import annotations

import click

from runplane.cli.app import App, pass_app
from runplane.cli.render import table
from runplane.engine.access import tokens as engine
from runplane.model.clock import utcnow
from runplane.model.timefmt import absolute
from runplane.store import tokens as store


@click.group()
def tokens() -> None:
    """Create, list and revoke API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--user", "user", required=True, help="The user the token acts as.")
@click.option(
    "--expires",
    default=engine.DEFAULT_EXPIRY,
    show_default=True,
    help="A duration (90d, 12h), an ISO date, or 'never'.",
)
@pass_app
def create_command(app: App, name: str, user: str, expires: str) -> None:
    """Create a token and print it once (it cannot be shown again)."""
    expires_at = engine.parse_expiry(expires, utcnow())
    token, secret = engine.create_token(
        app.db, name, user, expires_at=expires_at, by=app.caller.origin
    )
    until = "never expires" if token.expires_at is None else f"expires {absolute(token.expires_at)}"
    click.echo(f"Created token {token.name} for {token.user} ({until}). Keep it now: it is "
               "not shown again.", err=True)  # fmt: skip
    click.echo(secret)


@tokens.command("list")
@pass_app
def list_command(app: App) -> None:
    """Every token: its user, state and expiry (never the secret)."""
    now = utcnow()
    with app.db.read() as conn:
        rows = store.list_tokens(conn)
    if not rows:
        click.echo("No tokens. Create one with `runplane tokens create NAME --user USER`")
        return
    click.echo(
        table(
            ["name", "user", "state", "created (UTC)", "expires (UTC)"],
            [
                [
                    t.name,
                    t.user,
                    t.state(now),
                    absolute(t.created_at),
                    "never" if t.expires_at is None else absolute(t.expires_at),
                ]
                for t in rows
            ],
        )
    )


@tokens.command("revoke")
@click.argument("name")
@pass_app
def revoke_command(app: App, name: str) -> None:
    """Revoke a token: every server refuses it within RUNPLANE_AUTH_CACHE_SECONDS."""
    token = engine.revoke_token(app.db, name, by=app.caller.origin)
    click.echo(f"Revoked {token.name} (of {token.user})")
