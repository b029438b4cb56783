"""Schema revisions: create an empty database, upgrade an old one, refuse a newer one.

The core's revisions (`migrations/versions`) are the Alembic branch `core`; each data
domain brings a branch of its own, with its own base (`Domain.migrations`), and
`alembic_version` holds one row per head. A database is ready when it records exactly the
heads of the core and of every domain given (by default, the installed ones).

Before domains had branches, the core's revisions were one line, 0001-0004, and 0002
created the first domain's tables; that revision now lives in the domain's branch, whose
base says `replaces = "0002"`. A database from then records one revision; upgrading it
records the base of each branch that replaces a revision it went through — no DDL for
tables it has — then runs every branch to its head.

Upgrades are serialised across processes (a file lock beside a SQLite database, a
session advisory lock on PostgreSQL), so two commands starting at once on an empty
database do not both try to create it.
"""

from __future__ import annotations

import ast
import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text

from runplane.plugins import Domain, load_domains
from runplane.store.database import Database, lock_key
from runplane.store.errors import SchemaError

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# The core's revisions, oldest first; a test keeps this in step with Alembic.
REVISIONS = (
    "0001",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
)
HEAD = REVISIONS[-1]
MIGRATIONS = Path(__file__).parent / "migrations"
PRE_BRANCH = {"0002": "0001", "0003": "0003", "0004": "0004"}
"""Revisions a database made before branches may record alone, and the core revision each
stands for now (0002 left the core line; the core at 0002 was 0001)."""

Revisions = frozenset[str]


@dataclass(frozen=True)
class UpgradeResult:
    before: Revisions | None
    after: Revisions

    @property
    def created(self) -> bool:
        return self.before is None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def describe(revisions: Revisions) -> str:
    """`0004 + sales_0002`: the core's revision first, then the domains' by name."""
    return " + ".join(sorted(revisions, key=lambda r: (not r[:1].isdigit(), r)))


def current_revisions(db: Database) -> Revisions | None:
    """The revisions the database records (one per head), or None when it has no
    Runplane tables yet."""
    with db.read() as conn:
        return _recorded(conn)


def heads(domains: Sequence[Domain] | None = None) -> Revisions:
    """What a ready database records: the core's head and each domain's."""
    return frozenset(_scripts(_domains(domains)).get_heads())


def upgrade(db: Database, domains: Sequence[Domain] | None = None) -> UpgradeResult:
    """Bring the database to every head; idempotent and safe to run from several processes."""
    domains = _domains(domains)
    scripts = _scripts(domains)
    wanted = frozenset(scripts.get_heads())
    with _migration_lock(db):
        before = current_revisions(db)
        _refuse_unknown(db, before, scripts)
        if before != wanted:
            with db.engine.begin() as conn:
                _adopt_pre_branch(conn, scripts)
            _run_alembic(db, domains)
        return UpgradeResult(before=before, after=wanted)


def ensure_ready(
    db: Database, domains: Sequence[Domain] | None = None, *, create: bool = True
) -> UpgradeResult | None:
    """Create an empty database, or check that an existing one is at every head.

    Raises `SchemaError` with the command to run when the database is older (or lacks a
    domain's branch), and refuses a database written by a newer Runplane. Returns what
    was created, if anything.
    """
    domains = _domains(domains)
    revisions = current_revisions(db)
    if revisions == _read_heads(_locations(domains)):
        return None
    if revisions is None and create:
        return upgrade(db, domains)
    scripts = _scripts(domains)
    wanted = frozenset(scripts.get_heads())
    _refuse_unknown(db, revisions, scripts)
    found = describe(revisions or Revisions())
    raise SchemaError(
        f"the database at {db.location} is at schema revision {found}, older than this "
        f"Runplane's {describe(wanted)}: run `runplane db upgrade`"
    )


def _domains(domains: Sequence[Domain] | None) -> Sequence[Domain]:
    return load_domains() if domains is None else domains


def _recorded(conn: Connection) -> Revisions | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _refuse_unknown(db: Database, revisions: Revisions | None, scripts: ScriptDirectory) -> None:
    known = {script.revision for script in scripts.walk_revisions()} | set(PRE_BRANCH)
    unknown = sorted((revisions or Revisions()) - known)
    if unknown:
        raise SchemaError(
            f"the database at {db.location} records schema revision {', '.join(unknown)}, "
            f"which this Runplane (newest {describe(frozenset(scripts.get_heads()))}) does not "
            "know: it was written by a newer version, or with a data domain not installed "
            "here. Upgrade Runplane (or install the domain) instead of using this version "
            "against it."
        )


def _adopt_pre_branch(conn: Connection, scripts: ScriptDirectory) -> None:
    """Record what a database made before branches has: its core revision as it is named
    now, and the base of each branch that replaces a revision it went through (when that
    domain's tables, named `<domain>_...`, are there)."""
    recorded = _recorded(conn)
    if recorded is None or len(recorded) != 1 or next(iter(recorded)) not in PRE_BRANCH:
        return
    (old,) = recorded
    tables = inspect(conn).get_table_names()
    bases = []
    for base in scripts.get_bases():
        script = scripts.get_revision(base)
        replaces = getattr(script.module, "replaces", None)
        prefixes = tuple(f"{label}_" for label in script.branch_labels)
        has_tables = any(table.startswith(prefixes) for table in tables)
        if replaces in PRE_BRANCH and replaces <= old and has_tables:
            bases.append(base)
    version = "UPDATE alembic_version SET version_num = :new WHERE version_num = :old"
    conn.execute(text(version), {"new": PRE_BRANCH[old], "old": old})
    for base in bases:
        conn.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:base)"), {"base": base}
        )


def _locations(domains: Sequence[Domain]) -> list[Path]:
    return [MIGRATIONS / "versions", *(d.migrations for d in domains if d.migrations)]


def _read_heads(locations: Sequence[Path]) -> Revisions:
    """The heads of the revision files in `locations`: each revision no other one names
    as its `down_revision`. Read with `ast`, so the check `serve` and every command make
    does not import Alembic; a test holds it to Alembic's answer."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for folder in locations:
        for path in folder.glob("*.py"):
            values = {
                target.id: node.value
                for node in ast.parse(path.read_text()).body
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            if "revision" not in values:
                continue
            revisions.add(ast.literal_eval(values["revision"]))
            down = ast.literal_eval(values.get("down_revision", ast.Constant(None)))
            parents.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - parents)


def alembic_config(domains: Sequence[Domain] | None = None) -> Any:
    """Alembic's configuration of the core's branch and the domains' (by default, the
    installed ones), on the connection put in `config.attributes["connection"]`."""
    from alembic.config import Config

    domains = _domains(domains)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations",
        os.pathsep.join(str(p).replace("%", "%%") for p in _locations(domains)),
    )
    return config


def _scripts(domains: Sequence[Domain]) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(domains))


def _run_alembic(db: Database, domains: Sequence[Domain]) -> None:
    from alembic import command

    config = alembic_config(domains)
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
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
