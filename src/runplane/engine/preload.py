"""Warm-up done once in the fork server, so every forked execution starts warm.

Besides importing Runplane and the pipelines, it opens the configured database once
and runs the runner's statements in a rolled-back transaction: SQLAlchemy's compiled
statement cache lives on the engine, and children forked from here inherit it.
"""

from __future__ import annotations

import contextlib

from runplane.engine import runner
from runplane.pipelines import registry
from runplane.settings import Settings
from runplane.store import Database

_warm: Database | None = None


def prepare(settings_json: str) -> None:
    global _warm
    settings = Settings.model_validate_json(settings_json)
    registry.load(settings.pipeline_modules)
    db = Database(settings.resolved_database_url, busy_timeout=settings.sqlite_busy_timeout)
    with contextlib.suppress(Exception):  # no database yet, or unreachable: children start cold
        runner.warm_up(db)
    db.dispose()
    _warm = db


def database(url: str, busy_timeout: float) -> Database:
    """The warm database for `url` if this fork server prepared one, else a new one."""
    if _warm is not None and _warm.url.render_as_string(hide_password=False) == url:
        return _warm
    return Database(url, busy_timeout=busy_timeout)
