"""Schema revisions: the core's branch and each domain's, creating, upgrading, refusing old
and new databases, serialised upgrades."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from runplane.plugins import load_domains
from runplane.store import Database, SchemaError, schema
from runplane.store.schema import (
    HEAD,
    MIGRATIONS,
    REVISIONS,
    current_revisions,
    ensure_ready,
    heads,
    upgrade,
)
from runplane.store.tables import metadata
from tests.support.sample_feed import domain as sample_feed


def test_revisions_list_matches_the_core_branch() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    ordered = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert tuple(ordered) == REVISIONS
    assert scripts.get_current_head() == HEAD
    assert scripts.get_revision(REVISIONS[0]).branch_labels == {"core"}


def test_the_heads_read_without_alembic_are_alembics() -> None:
    for domains in ([], load_domains(), [*load_domains(), sample_feed]):
        locations = schema._locations(domains)
        assert schema._read_heads(locations) == heads(domains)
    assert heads([]) == {HEAD}


def test_each_domain_brings_a_branch_of_its_own() -> None:
    config = schema.alembic_config([*load_domains(), sample_feed])
    scripts = ScriptDirectory.from_config(config)
    for domain in [*load_domains(), sample_feed]:
        line = list(scripts.iterate_revisions(f"{domain.name}@head", "base"))
        assert line[-1].down_revision is None
        assert line[-1].branch_labels == {domain.name}
        assert all(script.revision.startswith(f"{domain.name}_") for script in line)


def test_migrations_create_exactly_the_tables_in_tables_py(db: Database) -> None:
    """The core tables; a domain's migrations are checked against its own metadata."""

    def core_only(name: str | None, type_: str, parent: object) -> bool:
        return type_ != "table" or name in metadata.tables or name == "alembic_version"

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": core_only})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_an_empty_database_is_created_on_first_use(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'sub' / 'new.db'}")
    created = ensure_ready(db)
    assert created is not None
    assert created.created
    assert current_revisions(db) == heads() > {HEAD}
    assert ensure_ready(db) is None
    with db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_an_older_database_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db)
    with db.write() as conn:
        conn.execute(
            text("UPDATE alembic_version SET version_num = '0003' WHERE version_num = '0012'")
        )
    with pytest.raises(
        SchemaError,
        match=r"at schema revision 0003 \+ .*older than this Runplane's 0012 \+ .*: run `runplane db upgrade`",
    ):
        ensure_ready(db)


def test_a_database_without_a_domains_branch_is_older(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'core.db'}")
    upgrade(db, [])
    assert current_revisions(db) == {HEAD}
    assert ensure_ready(db, []) is None
    with pytest.raises(SchemaError, match="run `runplane db upgrade`"):
        ensure_ready(db, [sample_feed])
    result = upgrade(db, [sample_feed])
    assert (result.before, result.after) == ({HEAD}, {HEAD, "sample_feed_0001"})
    assert "sample_feed_readings" in inspect(db.engine).get_table_names()
    assert ensure_ready(db, [sample_feed]) is None


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(db)
    with db.write() as conn:
        conn.execute(
            text("UPDATE alembic_version SET version_num = '9999' WHERE version_num = '0012'")
        )
    with pytest.raises(SchemaError, match="written by a newer version"):
        ensure_ready(db)
    with pytest.raises(SchemaError, match="written by a newer version"):
        upgrade(db)


def test_a_database_with_a_domain_not_installed_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'more.db'}")
    upgrade(db, [sample_feed])
    with pytest.raises(
        SchemaError,
        match=r"sample_feed_0001, which this Runplane .* or with a data domain not installed",
    ):
        ensure_ready(db, [])


def _upgrade_in_process(url: str) -> frozenset[str] | None:
    result = upgrade(Database(url))
    return result.before


def test_concurrent_upgrades_of_an_empty_database_are_serialised(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        befores = pool.map(_upgrade_in_process, [url] * 4)
    assert befores.count(None) == 1
    assert [b for b in befores if b is not None] == [heads()] * 3
    assert set(inspect(Database(url).engine).get_table_names()) >= {"executions", "workers"}
