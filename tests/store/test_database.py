"""The SQLite file a `Database` opened: created once, never recreated by a later connection,
a removed file refusing writes, a replaced one adopted, a size cap on every connection."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from runplane.model import LogLine
from runplane.store import Database, StorageUnavailable, storage_problem
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store.errors import DATABASE_UNAVAILABLE, STORAGE_FULL
from runplane.store.schema import upgrade
from tests.factories import make_execution
from tests.support.disks import mountable, read_only_folder


def test_a_removed_file_refuses_writes_and_is_not_recreated(sqlite_url: str) -> None:
    db = Database(sqlite_url, pool=False)
    assert db.path is not None
    db.path.unlink()
    removed = "was removed while Runplane had it open"
    with pytest.raises(StorageUnavailable, match=removed) as info, db.write() as conn:
        make_execution(conn)
    assert info.value.kind == DATABASE_UNAVAILABLE
    with pytest.raises(Exception, match="unable to open database file"), db.read() as conn:
        conn.execute(text("SELECT 1"))
    assert not db.path.exists()
    db.dispose()


def test_a_removed_file_names_where_this_process_still_holds_it(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.read() as conn:  # a pooled connection keeps the file open
        conn.execute(text("SELECT 1"))
    assert db.path is not None
    db.path.unlink()
    problem = db.file_problem()
    assert problem is not None
    assert "/proc/" in problem
    db.dispose()


def test_a_replaced_file_is_adopted(tmp_path: Path, sqlite_url: str) -> None:
    db = Database(sqlite_url)
    assert db.path is not None
    with db.write() as conn:
        kept = make_execution(conn)
    backup = tmp_path / "backup.db"
    with sqlite3.connect(db.path) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    with db.write() as conn:
        make_execution(conn)
    for stale in ("-wal", "-shm"):  # a restore replaces the journal too
        Path(f"{db.path}{stale}").unlink(missing_ok=True)
    shutil.move(backup, db.path)  # the operator restores last night's copy
    assert db.file_problem() is None
    with db.read() as conn:
        assert [e.execution_id for e in store.list_executions(conn)] == [kept.execution_id]
    db.dispose()


def test_max_page_count_makes_writes_past_it_storage_full(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'capped.db'}"
    upgrade(Database(url))
    db = Database(url, max_page_count=1)  # cannot shrink the file: caps it where it is
    with db.write() as conn:
        execution = make_execution(conn)
    lines = [
        LogLine(execution.execution_id, i, execution.created_at, "INFO", "x" * 200)
        for i in range(1, 2000)
    ]
    with pytest.raises(OperationalError, match="full") as info, db.write() as conn:
        log_store.insert_log_lines(conn, lines)
    problem = storage_problem(info.value, db.location)
    assert problem is not None
    assert problem.kind == STORAGE_FULL
    assert str(tmp_path) in str(problem)
    db.dispose()


def test_a_read_only_folder_is_refused_in_one_sentence(tmp_path: Path) -> None:
    if not mountable():  # as root, only a read-only mount is read-only
        pytest.skip("no read-only folder can be mounted here")
    refused = pytest.raises(StorageUnavailable, match="cannot be opened for writing")
    with read_only_folder(tmp_path / "ro") as folder, refused as info:
        Database(f"sqlite:///{folder / 'runplane.db'}")
    assert "Read-only file system" in str(info.value)
    assert "\n" not in str(info.value)


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def _insert(db: Database) -> None:
    with db.write() as conn:
        make_execution(conn, execution_id="waited")


def test_a_writer_waits_for_the_write_lock_and_takes_it_once_released(sqlite_db: Database) -> None:
    assert sqlite_db.path is not None
    holder = _hold_write_lock(sqlite_db.path)
    writer = threading.Thread(target=_insert, args=(sqlite_db,))
    writer.start()
    writer.join(timeout=0.3)
    assert writer.is_alive(), "it wrote while another connection held the lock"
    holder.execute("COMMIT")
    writer.join(timeout=10)
    assert not writer.is_alive()
    with sqlite_db.read() as conn:
        assert store.find_execution(conn, "waited") is not None


def test_a_lock_timeout_gives_up_and_leaves_the_busy_timeout_as_configured(
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url, busy_timeout=7.5, pool=True)
    assert db.path is not None
    holder = _hold_write_lock(db.path)
    with pytest.raises(OperationalError, match="database is locked"), db.write(lock_timeout=0.05):
        pass
    holder.execute("ROLLBACK")
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7500
    db.dispose()
