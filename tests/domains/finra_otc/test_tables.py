"""The FINRA OTC tables as the domain's branch creates them match `tables.py`, on both
databases; every one is named after the domain and carries the capture id."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from runplane.domains.finra_otc import domain, tables
from runplane.store import Database
from runplane.store.schema import current_revisions, heads


def _finra_only(diff: Any) -> bool:
    """Differences that concern a FINRA table (the core tables are not in this metadata)."""
    if isinstance(diff, list):
        return any(_finra_only(d) for d in diff)
    if diff[0] == "remove_table":
        return str(diff[1].name).startswith("finra_otc_")
    if diff[0] in ("remove_index", "add_index"):
        return str(diff[1].table.name).startswith("finra_otc_")
    return True


def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    assert current_revisions(db) == heads() >= {"finra_otc_0001"}
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert [d for d in diffs if _finra_only(d)] == []


def test_every_data_table_carries_the_domain_name_and_the_capture_id() -> None:
    for table in tables.metadata.tables.values():
        assert table.name.startswith(f"{domain.name}_"), table.name
        assert "capture_id" in table.c, table.name
        assert not table.c.capture_id.nullable, table.name
