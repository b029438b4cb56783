"""Shared fixtures: settings with short intervals, real databases (SQLite and PostgreSQL),
a real Redis, a movable clock, and the FINRA files from ../shared/data.

Under CI=true a test whose PostgreSQL server, redis-server or shared data is missing fails
instead of skipping, so a green CI run means everything really ran.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import MetaData, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

import tests.support.pipelines  # noqa: F401  (registers the test-only pipelines here too)
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Execution, ExecutionStatus
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store.schema import upgrade
from runplane.store.tables import executions

ROOT = Path(__file__).resolve().parents[1]
SHARED_FINRA = ROOT.parent / "shared" / "data" / "finra-otc"
IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get("RUNPLANE_TEST_POSTGRES_URL", "")


def serve_client(url: str) -> httpx.Client:
    """A client for a test's `runplane serve`: idle connections are dropped after 1 s, before
    uvicorn's 5 s keep-alive closes them, so a request never races the server's close."""
    return httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(keepalive_expiry=1))


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
        "lease_seconds": 2.0,
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
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies instead of running every migration."""
    path = tmp_path_factory.mktemp("sqlite-template") / "runplane.db"
    template = Database(f"sqlite:///{path}", pool=False)
    upgrade(template)
    template.dispose()
    assert not path.with_name("runplane.db-wal").exists(), "the template must be checkpointed"
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that test databases are copied from (TEMPLATE)."""
    require(bool(POSTGRES_URL), "RUNPLANE_TEST_POSTGRES_URL is not set")
    name = f"runplane_template_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    template = Database(_postgres_url(name), pool=False)
    upgrade(template)
    template.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_copy(template: str) -> Iterator[str]:
    """A database of its own copied from the template, dropped on exit: for a server that
    several tests share while others use the scratch copy."""
    name = f"runplane_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _postgres_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_copy(template: Path, folder: Path) -> str:
    """A copy of the migrated template at folder/runplane.db (once, if asked for twice)."""
    path = folder / "runplane.db"
    if not path.exists():
        shutil.copyfile(template, path)
    return f"sqlite:///{path}"


class PostgresScratch:
    """One copy of the template that test after test gets back as new, instead of a
    CREATE DATABASE ... TEMPLATE per test (a third of a second each).

    Between tests every other session on it is ended (as DROP DATABASE ... WITH (FORCE)
    would), the rows of every migrated table but alembic_version are deleted and the
    tables a test created are dropped. When a test changed the schema itself (a
    downgrade, an altered column, another revision), the copy is dropped and made anew
    from the template.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self.name = f"runplane_test_{uuid.uuid4().hex[:10]}"
        self.url = _postgres_url(self.name)
        self._admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        self._create()
        self._engine = create_engine(self.url, poolclass=NullPool)
        self.shape = self._shape()
        migrated = MetaData()
        migrated.reflect(self._engine)
        self._migrated = set(migrated.tables)
        self._deletion_order = [  # rows that others refer to go last
            t.name for t in reversed(migrated.sorted_tables) if t.name != "alembic_version"
        ]

    def _create(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"'))

    def _drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    def _shape(self) -> tuple[object, ...]:
        """What a migration decides: tables, columns, constraints, indexes, sequences,
        triggers, functions and the revision."""
        with self._engine.connect() as conn:
            return tuple(
                tuple(tuple(row) for row in conn.execute(text(query))) for query in _SHAPE_QUERIES
            )

    def reset(self) -> None:
        """Make the copy as new: the template's schema, no rows."""
        with self._admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )
            deadline = time.monotonic() + 10
            while conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                {"name": self.name},
            ).scalar_one():
                assert time.monotonic() < deadline, f"sessions on {self.name} outlived the test"
                time.sleep(0.01)
        tables = self._tables()
        created = [t for t in tables if t not in self._migrated]
        if created:
            with self._engine.begin() as conn:
                conn.execute(
                    text("DROP TABLE " + ", ".join(f'"{t}"' for t in created) + " CASCADE")
                )
        if self._shape() != self.shape:
            self._engine.dispose()
            self._drop()
            self._create()
            return
        with self._engine.begin() as conn:
            for table in self._deletion_order:
                conn.execute(text(f'DELETE FROM "{table}"'))

    def _tables(self) -> list[str]:
        with self._engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(text(_SHAPE_QUERIES[0]))]

    def close(self) -> None:
        self._engine.dispose()
        self._drop()
        self._admin.dispose()


_SHAPE_QUERIES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    "SELECT table_name, column_name, data_type, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = 'public'"
    " ORDER BY table_name, ordinal_position",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    " ORDER BY 1, 2",
    "SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY 1",
    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
    "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
    "SELECT version_num FROM alembic_version",
)


@pytest.fixture(scope="session")
def postgres_scratch(postgres_template: str) -> Iterator[PostgresScratch]:
    scratch = PostgresScratch(postgres_template)
    yield scratch
    scratch.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, and a PostgreSQL one when available."""
    if request.param == "sqlite":
        yield sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        scratch: PostgresScratch = request.getfixturevalue("postgres_scratch")
        try:
            yield scratch.url
        finally:
            scratch.reset()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return sqlite_copy(sqlite_template, tmp_path)


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


@pytest.fixture(scope="session")
def finra_dir() -> Path:
    """The real FINRA OTC weekly files in ../shared/data/finra-otc."""
    require(SHARED_FINRA.is_dir(), f"{SHARED_FINRA} is missing")
    return SHARED_FINRA


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server of the module's own on a free port of 127.0.0.1 (nothing saved
    to disk), as the Celery broker: `redis://127.0.0.1:PORT/0`."""
    server = shutil.which("redis-server")
    require(server is not None, "redis-server is not installed")
    assert server is not None
    folder = tmp_path_factory.mktemp("redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--logfile",
            str(folder / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None, (folder / "redis.log").read_text()
                assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
                time.sleep(0.02)
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[ServingRuntime]:
    """A serving runtime (worker row, executor with its fork server, monitor) on `settings`."""
    db = Database(settings.resolved_database_url)
    serving = ServingRuntime(db, settings)
    serving.start()
    yield serving
    serving.stop()
    db.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def module_runtime(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[ServingRuntime]:
    """One serving runtime for a module's tests, on SQLite and on PostgreSQL (a database of
    its own, as the other tests empty the scratch copy between them)."""
    folder = tmp_path_factory.mktemp("runtime")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = sqlite_copy(sqlite_template, folder)
        else:
            url = stack.enter_context(postgres_copy(request.getfixturevalue("postgres_template")))
        db = Database(url)
        stack.callback(db.dispose)
        serving = ServingRuntime(db, fast_settings(folder, url))
        serving.start()
        stack.callback(serving.stop)
        yield serving


@pytest.fixture
def shared_runtime(module_runtime: ServingRuntime) -> Iterator[ServingRuntime]:
    """The module's runtime, for a test that asserts by the ids it submitted; everything it
    started must have ended afterwards, so the next test finds every slot free."""
    yield module_runtime
    wait_until(lambda: not active_ids(module_runtime.db), what="every execution to end")


def active_ids(db: Database) -> list[str]:
    """Executions still pending or running."""
    active = [str(ExecutionStatus.PENDING), str(ExecutionStatus.RUNNING)]
    with db.read() as conn:
        rows = conn.execute(
            select(executions.c.execution_id).where(executions.c.status.in_(active))
        )
        return [str(row[0]) for row in rows]


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
