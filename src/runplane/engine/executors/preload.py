"""Warm-up done once in the fork server, so every forked execution starts warm.

Besides importing Runplane and the pipelines, it opens the configured database once and
runs the runner's statements in a rolled-back transaction: SQLAlchemy's compiled
statement cache lives on the engine, and children forked from here inherit it.
"""

from __future__ import annotations

import contextlib

from runplane.engine import faults
from runplane.engine.running import runner
from runplane.pipelines import registry
from runplane.settings import Settings
from runplane.store import Database, open_database


def prepare(settings: Settings) -> Database:
    """Load the pipelines and return a database handle with a warm statement cache."""
    registry.load(settings.pipeline_modules)
    db = open_database(settings)
    with contextlib.suppress(Exception):  # unreachable database: children start cold
        runner.warm_up(db)
    db.dispose()  # no connection may cross a fork
    faults.arm(settings)  # after the warm-up, which passes the points a run passes
    return db
