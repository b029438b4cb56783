"""What `runplane db check` reports of the database: schema revision, size, integrity,
and orphans (rows nothing will ever read), for an operator deciding whether to act."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from runplane.plugins import Domain, load_domains, resolve_capture_tables
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store.probes import check_integrity, database_bytes
from runplane.store.schema import current_revisions, describe, heads

ORPHANS = "unpublished rows of ended executions"
"""What `orphans` counts: rows the housekeeping deletes at its next sweep."""


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
    """Read the report; raises what the database raises (the CLI says it in one line).
    Orphans are counted only in a sound database at this Runplane's schema."""
    recorded = current_revisions(db)
    expected = heads(domains)
    problems = check_integrity(db)
    orphans = {}
    if not problems and recorded == expected:
        tables = resolve_capture_tables(load_domains() if domains is None else domains)
        with db.read() as conn:
            ended = capture_store.list_unpublished_of_ended(conn, limit=None)
            orphans[ORPHANS] = capture_store.count_capture_rows(
                conn, tables, [c.capture_id for c in ended]
            )
    return DatabaseReport(
        location=db.location,
        revision=None if recorded is None else describe(recorded),
        head=describe(expected),
        size_bytes=database_bytes(db),
        problems=problems,
        orphans=orphans,
    )
