"""What `runplane db check` reports of the database: schema revision, size, integrity,
and orphans (rows nothing will ever read), for an operator deciding whether to act."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from runplane.plugins import Domain
from runplane.store import Database
from runplane.store.probes import check_integrity, database_bytes
from runplane.store.schema import current_revisions, describe, heads

OrphanCounter = Callable[[Connection], tuple[str, int]]
"""Counts one kind of orphan: ("unpublished capture rows of ended executions", 25000)."""

ORPHAN_COUNTERS: list[OrphanCounter] = []
"""Where the kinds of orphans are counted; empty until the unpublished rows of ended
executions are swept (each data domain counts its own capture tables)."""


@dataclass(frozen=True)
class DatabaseReport:
    location: str
    revision: str | None
    """The revisions the database records, core first (`0005 + sales_0002`)."""
    head: str
    """What this Runplane and its domains expect, in the same form."""
    size_bytes: int
    problems: list[str]
    """What the integrity check found; empty when the database is sound."""
    orphans: dict[str, int] = field(default_factory=dict)

    @property
    def sound(self) -> bool:
        return not self.problems and self.revision == self.head


def database_report(db: Database, domains: Sequence[Domain] | None = None) -> DatabaseReport:
    """Read the report; raises what the database raises (the CLI says it in one line)."""
    recorded = current_revisions(db)
    orphans: dict[str, int] = {}
    with db.read() as conn:
        for counter in ORPHAN_COUNTERS:
            what, count = counter(conn)
            orphans[what] = count
    return DatabaseReport(
        location=db.location,
        revision=None if recorded is None else describe(recorded),
        head=describe(heads(domains)),
        size_bytes=database_bytes(db),
        problems=check_integrity(db),
        orphans=orphans,
    )
