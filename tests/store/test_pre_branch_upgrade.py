"""A database made before data domains had branches — the core's one line 0001-0004, the FINRA
tables from 0002, one row in `alembic_version` — is refused by the ready check, then
upgrades on SQLite and PostgreSQL without DDL for what it has, keeps its data, and ingests
and reads its assets like a new one.

The old databases are built with the revisions as Runplane shipped them, copied unchanged
into `pre_branch/` from the last release before the split.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import (
    Connection,
    MetaData,
    create_engine,
    event,
    insert,
    inspect,
    make_url,
    text,
)

from runplane.domains.finra_otc import tables as finra_tables
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.synthetic import write_weeks
from runplane.engine.ids import new_capture_id
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.pipelines.params import params_hash
from runplane.server import create_app
from runplane.store import Database, SchemaError
from runplane.store import captures as capture_store
from runplane.store.schema import (
    HEAD,
    MIGRATIONS,
    current_revisions,
    ensure_ready,
    heads,
    upgrade,
)
from runplane.store.tables import executions, metadata
from tests.conftest import POSTGRES_URL, fast_settings, require
from tests.domains.finra_otc.support import run_chain
from tests.support.schemas import on_backend

PRE_BRANCH = Path(__file__).parent / "pre_branch"
OLD_WEEK = date(2025, 12, 15)
NEW_WEEK = date(2025, 12, 22)
DDL = ("CREATE", "ALTER", "DROP")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    require(bool(POSTGRES_URL), "RUNPLANE_TEST_POSTGRES_URL is not set")
    name = f"runplane_old_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_pre_branch(db: Database, revision: str) -> None:
    """Migrate an empty database the way Runplane did before the split, up to `revision`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(PRE_BRANCH))
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


def _published_week(db: Database) -> str:
    """An ingest capture of OLD_WEEK as the old code wrote it (its execution row with the
    columns of the time, no cost); returns its execution id."""
    at = datetime(2025, 12, 16, 8, tzinfo=UTC)
    pipeline = "finra.otc_transparency.ingest_week"
    execution = SimpleNamespace(
        execution_id=str(uuid.uuid4()), pipeline=pipeline, capture_id="cap_20251216_080000_0ld000"
    )
    with db.write() as conn:
        execution = _old_execution(conn, pipeline="finra.otc_transparency.ingest_week")
        capture_store.insert_capture(
            conn, capture_id=execution.capture_id, asset=f"finra_otc/OTC/{OLD_WEEK}/ingest",
            execution_id=execution.execution_id, pipeline=execution.pipeline, at=at,
        )  # fmt: skip
        conn.execute(
            insert(finra_tables.captures).values(
                capture_id=execution.capture_id, stage="ingest", tier="OTC",
                week_ending=OLD_WEEK, rows=7, rows_rejected=0,
            )
        )  # fmt: skip
        capture_store.publish_captures(conn, execution.execution_id, at)
    return execution.execution_id


def _old_execution(conn: Connection, pipeline: str) -> Execution:
    """A completed execution in the columns the old schema has (later revisions add some)."""
    old = {column["name"] for column in inspect(conn).get_columns("executions")}
    row = {**execution_row(pipeline), "status": "completed"}
    conn.execute(insert(executions).values({k: v for k, v in row.items() if k in old}))
    return Execution(
        execution_id=row["execution_id"], pipeline=pipeline, status=ExecutionStatus.COMPLETED,
        params={}, params_hash=row["params_hash"], trigger=Trigger.MANUAL,
        triggered_by="user:test", trigger_time=row["created_at"], created_at=row["created_at"],
        capture_id=row["capture_id"],
    )  # fmt: skip


def execution_row(pipeline: str) -> dict[str, Any]:
    at = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
    return {
        "execution_id": str(uuid.uuid4()), "pipeline": pipeline, "params": {},
        "params_hash": params_hash(pipeline, {}), "dry_run": False, "trigger": "manual",
        "triggered_by": "user:test", "trigger_time": at, "created_at": at, "started_at": at,
        "completed_at": at, "capture_id": new_capture_id(at), "attempt": 1,
    }  # fmt: skip


def _statements(db: Database) -> list[str]:
    """Every statement the database is sent from now on."""
    sent: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    return sent


def _schema_diff(db: Database) -> list[object]:
    """Differences from the tables the code defines, the core's and FINRA's, each alone."""
    diffs: list[object] = []
    for tables in (metadata, finra_tables.metadata):

        def own(name: str | None, type_: str, parent: object, tables: MetaData = tables) -> bool:
            return type_ != "table" or name in tables.tables

        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": own})
            diffs += compare_metadata(context, on_backend(tables, conn.dialect.name))
    return diffs


ADDED_SINCE = (
    "users", "api_tokens", "sessions", "audit_log", "sla_misses", " sla",
    "execution_logs_fts", "ix_execution_logs_search", "execution_params", "ix_executions_params",
    "bulk_", "ADD COLUMN cpu_seconds", "ADD COLUMN gb_seconds", "ADD COLUMN peak_rss_bytes",
    "ADD COLUMN cost", "notification_rules", "notification_outbox", "notification_problems",
    "notification_deliveries", "notification_attempts", "leases", "ADD COLUMN queue",
    "ADD COLUMN dispatched_at", "ADD COLUMN name", "ADD COLUMN queues", "ADD COLUMN busy",
)  # fmt: skip
"""Tables, columns and indexes of the core revisions after the split (0005 and later),
which its upgrade creates."""


@pytest.mark.slow
def test_a_pre_branch_database_at_0004_upgrades_without_ddl_then_ingests_and_reads(
    empty_url: str, tmp_path: Path
) -> None:
    db = Database(empty_url)
    build_pre_branch(db, "0004")
    assert current_revisions(db) == {"0004"}
    old_run = _published_week(db)
    with pytest.raises(
        SchemaError, match=r"at schema revision 0004, older .* run `runplane db upgrade`"
    ):
        ensure_ready(db)

    sent = _statements(db)
    result = upgrade(db)
    assert (result.before, result.after) == ({"0004"}, heads())
    ddl = [s for s in sent if s.lstrip().upper().startswith(DDL)]
    assert [s for s in ddl if not any(t in s for t in ADDED_SINCE)] == []  # nothing twice
    assert current_revisions(db) == {HEAD, "finra_otc_0001"}
    assert ensure_ready(db) is None
    assert _schema_diff(db) == []

    settings = fast_settings(tmp_path, empty_url)
    write_weeks(settings.data_dir, tier=MarketTier.OTC, weeks=[NEW_WEEK], rows=40)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    try:
        run_chain(db, NEW_WEEK.isoformat())
    finally:
        runtime.stop()
    with TestClient(create_app(db, settings)) as client:
        weeks = client.get("/v1/assets/weeks").json()["weeks"]
        symbols = client.get(f"/v1/assets/weeks/OTC/{NEW_WEEK}", params={"limit": 1}).json()
    assert [(w["week_ending"], w["rows"]) for w in weeks] == [
        (str(NEW_WEEK), 40),
        (str(OLD_WEEK), 7),
    ]
    assert weeks[1]["stages"]["ingest"]["execution_id"] == old_run
    assert symbols["total"] > 0
    db.dispose()


@pytest.mark.parametrize(
    ("revision", "creates"), [("0001", True), ("0002", False), ("0003", False)]
)
def test_a_pre_branch_database_at_any_revision_reaches_every_head(
    empty_url: str, revision: str, creates: bool
) -> None:
    db = Database(empty_url)
    build_pre_branch(db, revision)
    sent = _statements(db)
    upgrade(db)
    created = {
        s.split("(")[0].split()[-1].strip('"')
        for s in sent
        if s.lstrip().startswith("CREATE TABLE")
    }
    assert ("finra_otc_captures" in created) is creates
    assert current_revisions(db) == heads()
    assert _schema_diff(db) == []
    assert "finra_otc_rolling" in inspect(db.engine).get_table_names()
    db.dispose()
