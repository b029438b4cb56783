"""Shared fixtures: settings with short intervals, real databases (SQLite and PostgreSQL),
a movable clock, and the FINRA files from ../shared/data.

Under CI=true a test whose PostgreSQL server or shared data is missing fails instead of
skipping, so a green CI run means everything really ran.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

import tests.support.pipelines  # noqa: F401  (registers the test-only pipelines here too)
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Execution
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store.schema import upgrade

ROOT = Path(__file__).resolve().parents[1]
SHARED_FINRA = ROOT.parent / "shared" / "data" / "finra-otc"
IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get("RUNPLANE_TEST_POSTGRES_URL", "")


def require(condition: bool, reason: str) -> None:
    """Skip when something external is missing, but fail under CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


class FakeClock:
    """A clock tests move by hand instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 12, 22, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fast_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    """Settings with intervals short enough for tests."""
    values: dict[str, object] = {
        "home": tmp_path,
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "max_workers": 2,
        "poll_interval": 0.02,
        "heartbeat_interval": 0.2,
        "worker_timeout": 3.0,
        "cancel_grace": 2.0,
        "log_flush_interval": 0.05,
        "resource_sample_interval": 0.2,
        "retry_backoff_scale": 0.001,
        "pipeline_modules": ["tests.support.pipelines"],
        # TestClient's host, and the loopback names real servers are reached by.
        "allowed_hosts": ["testserver", "127.0.0.1", "localhost"],
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test copies (CREATE DATABASE ... TEMPLATE)."""
    require(bool(POSTGRES_URL), "RUNPLANE_TEST_POSTGRES_URL is not set")
    name = f"runplane_template_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    template = Database(url, pool=False)
    upgrade(template)
    template.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_database(template: str) -> Iterator[str]:
    name = f"runplane_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, and a PostgreSQL copy when available."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'runplane.db'}"
        db = Database(url)
        upgrade(db)
        db.dispose()
        yield url
    else:
        yield from _postgres_database(request.getfixturevalue("postgres_template"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runplane.db'}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return fast_settings(tmp_path, database_url)


@pytest.fixture
def sqlite_settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return fast_settings(tmp_path, sqlite_url)


@pytest.fixture
def finra_dir() -> Path:
    """The real FINRA OTC weekly files in ../shared/data/finra-otc."""
    require(SHARED_FINRA.is_dir(), f"{SHARED_FINRA} is missing")
    return SHARED_FINRA


@pytest.fixture
def runtime(settings: Settings) -> Iterator[ServingRuntime]:
    """A serving runtime (worker row, executor with its fork server, monitor) on `settings`."""
    db = Database(settings.resolved_database_url)
    serving = ServingRuntime(db, settings)
    serving.start()
    yield serving
    serving.stop()
    db.dispose()


def wait_for_final(db: Database, execution_id: str, timeout: float = 30.0) -> Execution:
    """Poll until the execution reaches a final status (real processes take real time)."""
    deadline = time.monotonic() + timeout
    while True:
        with db.read() as conn:
            execution = execution_store.get_execution(conn, execution_id)
        if execution.status.is_final:
            return execution
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_id} still {execution.status} after {timeout}s")
        time.sleep(0.02)


def wait_until(
    predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)
