"""Schema revisions: create an empty database, upgrade an old one, refuse a newer one.

Upgrades are serialised across processes (a file lock beside a SQLite database, a
session advisory lock on PostgreSQL), so two commands starting at once on an empty
database do not both try to create it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text

from runplane.store.database import Database, lock_key
from runplane.store.errors import SchemaError

# Every revision in `migrations/versions`, oldest first; a test keeps this in step with Alembic.
REVISIONS = ("0001", "0002", "0003", "0004")
HEAD = REVISIONS[-1]
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None
    after: str

    @property
    def created(self) -> bool:
        return self.before is None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def current_revision(db: Database) -> str | None:
    """The database's revision, or None when it has no Runplane tables yet."""
    with db.read() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(db: Database) -> UpgradeResult:
    """Bring the database to `HEAD`; idempotent and safe to run from several processes."""
    with _migration_lock(db):
        before = current_revision(db)
        _refuse_newer(db, before)
        if before != HEAD:
            _run_alembic(db)
        return UpgradeResult(before=before, after=HEAD)


def ensure_ready(db: Database, *, create: bool = True) -> UpgradeResult | None:
    """Create an empty database, or check that an existing one is at `HEAD`.

    Raises `SchemaError` with the command to run when the database is older, and
    refuses a database written by a newer Runplane. Returns what was created, if anything.
    """
    revision = current_revision(db)
    if revision == HEAD:
        return None
    if revision is None and create:
        return upgrade(db)
    _refuse_newer(db, revision)
    raise SchemaError(
        f"the database at {db.location} is at schema revision {revision}, older than this "
        f"Runplane's {HEAD}: run `runplane db upgrade`"
    )


def _refuse_newer(db: Database, revision: str | None) -> None:
    if revision is not None and revision not in REVISIONS:
        raise SchemaError(
            f"the database at {db.location} is at schema revision {revision}, which this "
            f"Runplane (newest {HEAD}) does not know: it was written by a newer version. "
            "Upgrade Runplane instead of using this version against it."
        )


def _run_alembic(db: Database) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()


@contextmanager
def _migration_lock(db: Database) -> Iterator[None]:
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            key = lock_key("runplane.schema")
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
        return
    if db.path is None:
        yield
        return
    lock_path = db.path.with_name(db.path.name + ".migrate-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
