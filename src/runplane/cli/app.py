"""Shared state of one CLI invocation: settings, the database (opened on first use), identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
from sqlalchemy.exc import ArgumentError

from runplane.identity import Caller, os_caller
from runplane.pipelines import registry
from runplane.plugins import Domain
from runplane.settings import Settings
from runplane.store import Database, open_database
from runplane.store.schema import ensure_ready

if TYPE_CHECKING:
    from runplane.cli.remote import Remote


class BadInput(click.ClickException):
    """A one-line error for input or configuration the command cannot act on (exit code 2)."""

    exit_code = 2


@dataclass
class App:
    settings: Settings = field(default_factory=Settings)
    domains: tuple[Domain, ...] = ()
    _db: Database | None = None

    def __post_init__(self) -> None:
        try:
            self.domains = registry.load(self.settings.pipeline_modules)
        except ImportError as exc:
            raise BadInput(f"invalid setting: RUNPLANE_PIPELINE_MODULES: {exc}") from None

    @property
    def db(self) -> Database:
        """The database, created and migrated if it is new (said on stderr)."""
        if self._db is None:
            try:
                db = open_database(self.settings)
            except (ArgumentError, OSError) as exc:
                setting = "RUNPLANE_DATABASE_URL" if self.settings.database_url else "RUNPLANE_HOME"
                raise BadInput(f"invalid setting: {setting}: {_reason(exc)}") from None
            created = ensure_ready(db, self.domains)
            if created is not None:
                click.echo(f"Created a new Runplane database at {db.location}", err=True)
            self._db = db
        return self._db

    @property
    def remote(self) -> Remote | None:
        """The server `RUNPLANE_URL` names, when commands should call its API."""
        from runplane.cli.remote import Remote

        if not self.settings.url:
            return None
        return Remote(self.settings.url, self.settings.token)

    @property
    def caller(self) -> Caller:
        """Who is acting, for `triggered_by` and the event trail."""
        return os_caller()


def _reason(exc: BaseException) -> str:
    """An exception's message on one line, without the driver's decoration."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return " ".join(str(exc).split())


pass_app = click.make_pass_decorator(App, ensure=True)
