"""Schema revisions: creating, upgrading, refusing old and new databases, serialised upgrades."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from runplane.store import Database, SchemaError, schema
from runplane.store.schema import (
    HEAD,
    MIGRATIONS,
    REVISIONS,
    current_revision,
    ensure_ready,
    upgrade,
)
from runplane.store.tables import metadata


def test_revisions_list_matches_the_migration_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    ordered = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert tuple(ordered) == REVISIONS
    assert scripts.get_current_head() == HEAD


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
    assert current_revision(db) == HEAD
    assert ensure_ready(db) is None
    with db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_an_older_database_is_refused_with_the_command_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db)
    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    monkeypatch.setattr(schema, "REVISIONS", ("0000", *REVISIONS))
    with pytest.raises(SchemaError, match="run `runplane db upgrade`"):
        ensure_ready(db)


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(db)
    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaError, match="written by a newer version"):
        ensure_ready(db)
    with pytest.raises(SchemaError, match="written by a newer version"):
        upgrade(db)


def _upgrade_in_process(url: str) -> str | None:
    result = upgrade(Database(url))
    return result.before


def test_concurrent_upgrades_of_an_empty_database_are_serialised(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        befores = pool.map(_upgrade_in_process, [url] * 4)
    assert befores.count(None) == 1
    assert sorted(b for b in befores if b is not None) == [HEAD] * 3
    assert set(inspect(Database(url).engine).get_table_names()) >= {"executions", "workers"}
