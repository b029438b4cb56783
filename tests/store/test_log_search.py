"""Searching every log on both backends: the same queries find the same lines in SQLite's
FTS5 table and PostgreSQL's GIN index, each kept in step by the writer's own statement."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, insert, text

from runplane.model import LogLine
from runplane.model.log_query import parse_log_search
from runplane.store import Database, log_search, schema
from runplane.store import logs as log_store
from runplane.store.executions import ExecutionFilter
from runplane.store.log_index import create_log_index, drop_log_index
from runplane.store.tables import execution_logs
from tests.factories import make_execution, make_log, make_old_execution

LINES = [
    ("INFO", "ingest started for finra.otc week 2025-12-22"),
    ("INFO", "fetched 1200 rows from upstream"),
    ("WARNING", "slow upstream: retrying in 5s"),
    ("ERROR", "ERROR: disk full while writing capture a1b2-c3d4"),
    ("INFO", "timeout waiting for <b>lock</b> & co"),
    ("INFO", "timed out after 30 seconds"),
]


def _matches(db: Database, query: str) -> list[tuple[str, int]]:
    search = parse_log_search(query)
    with db.read() as conn:
        keys = log_search.list_matching_executions(
            conn, search, ExecutionFilter(), levels=search.levels
        )
        hits = log_search.list_hits(conn, search, [k[0] for k in keys], levels=search.levels)
    return sorted((k, seq) for k, h in hits.items() for seq in h.seqs)


@pytest.fixture
def logged(db: Database) -> str:
    with db.write() as conn:
        execution = make_execution(conn)
        make_log(conn, execution, LINES)
        make_log(conn, make_execution(conn), [("INFO", "nothing to see")])
    return execution.execution_id


@pytest.mark.parametrize(
    ("query", "seqs"),
    [
        ("upstream", [2, 3]),
        ("UPSTREAM slow", [3]),
        ('"slow upstream"', [3]),
        ('"upstream slow"', []),
        ("time*", [5, 6]),
        ("timeo*", [5]),
        ('"timed out"*', [6]),
        ("level:error", [4]),
        ("level:warn upstream", [3]),
        ("finra.otc", [1]),
        ("finra.ot*", [1]),
        ("otc", [1]),
        ("a1b2-c3d4", [4]),
        ("c3d4", [4]),
        ("ERROR:", [4]),
        ("2025-12-22", [1]),
        ("<b>lock</b>", [5]),
        ("NOT AND", []),
        ("missing", []),
    ],
)
def test_queries_find_the_same_lines_on_both_backends(
    db: Database, logged: str, query: str, seqs: list[int]
) -> None:
    assert _matches(db, query) == [(logged, s) for s in seqs]


def test_a_line_written_later_and_a_deleted_line_keep_the_index_in_step(db: Database) -> None:
    with db.write() as conn:
        execution = make_execution(conn)
        make_log(conn, execution, [("INFO", "first quokka")])
        make_log(conn, execution, [("INFO", "second quokka")], start=2)
    assert _matches(db, "quokka") == [(execution.execution_id, 1), (execution.execution_id, 2)]
    with db.write() as conn:
        conn.execute(text("DELETE FROM execution_logs WHERE seq = 1"))
        conn.execute(text("UPDATE execution_logs SET message = 'a wombat' WHERE seq = 2"))
    assert _matches(db, "quokka") == []
    assert _matches(db, "wombat") == [(execution.execution_id, 2)]


def test_the_upgrade_indexes_the_lines_already_stored(db: Database) -> None:
    config = schema.alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
        conn.commit()
    with db.write() as conn:
        execution = make_old_execution(conn)
        row = {"execution_id": execution.execution_id, "seq": 1, "at": execution.created_at}
        conn.execute(insert(execution_logs).values(**row, level="INFO", message="kept a1b2-c3"))
    schema.upgrade(db)
    assert _matches(db, "a1b2-c3") == [(execution.execution_id, 1)]


def test_the_index_built_for_existing_lines_finds_them(db: Database) -> None:
    with db.write() as conn:
        drop_log_index(conn)
        execution = make_execution(conn)
        row = {"execution_id": execution.execution_id, "seq": 1, "at": execution.created_at}
        conn.execute(insert(execution_logs).values(**row, level="INFO", message="before index"))
        create_log_index(conn)
    assert _matches(db, "before index") == [(execution.execution_id, 1)]


def test_executions_come_newest_first_in_keyset_pages_within_the_filter(db: Database) -> None:
    with db.write() as conn:
        made = [
            make_execution(conn, created_at=make_execution(conn).created_at + timedelta(hours=i))
            for i in range(1, 5)
        ]
        for execution in made:
            make_log(conn, execution, [("INFO", "needle"), ("INFO", "needle again")])
    search = parse_log_search("needle")
    newest = [e.execution_id for e in reversed(made)]
    with db.read() as conn:
        first = log_search.list_matching_executions(conn, search, ExecutionFilter(), limit=3)
        rest = log_search.list_matching_executions(
            conn, search, ExecutionFilter(), limit=3, after=(first[-1][1], first[-1][0])
        )
        narrow = log_search.list_matching_executions(
            conn, search, ExecutionFilter(since=made[2].created_at)
        )
        hits = log_search.list_hits(conn, search, newest, per_execution=1)
    assert [k[0] for k in first + rest] == newest
    assert [k[0] for k in narrow] == newest[:2]
    assert {h.seqs for h in hits.values()} == {(1,)}
    assert {h.total for h in hits.values()} == {2}


def test_a_batch_with_a_gap_indexes_only_its_own_lines(db: Database) -> None:
    with db.write() as conn:
        execution = make_execution(conn)
        make_log(conn, execution, [("INFO", "kiwi two")], start=2)
        one, _, three = make_log(conn, make_execution(conn), [("INFO", "kiwi")] * 3)
        gapped = [replace(line, execution_id=execution.execution_id) for line in (one, three)]
        log_store.insert_log_lines(conn, gapped)
    found = [m for m in _matches(db, "kiwi") if m[0] == execution.execution_id]
    assert found == [
        (execution.execution_id, 1),
        (execution.execution_id, 2),
        (execution.execution_id, 3),
    ]
    with db.read() as conn:
        hits = log_search.list_hits(conn, parse_log_search("kiwi"), [execution.execution_id])
    assert hits[execution.execution_id].total == 3  # line 2 indexed once


def test_sqlite_finds_the_lines_through_the_fts_index(sqlite_db: Database) -> None:
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    event.listen(sqlite_db.engine, "before_cursor_execute", capture)
    with sqlite_db.read() as conn:
        log_search.list_matching_executions(conn, parse_log_search("S0042"), ExecutionFilter())
    event.remove(sqlite_db.engine, "before_cursor_execute", capture)
    (statement, params) = next(s for s in sent if "MATCH" in s[0])
    with sqlite_db.read() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    assert plan[0].startswith("SCAN execution_logs_fts VIRTUAL TABLE INDEX"), plan
    assert "SEARCH execution_logs USING INTEGER PRIMARY KEY (rowid=?)" in plan


def test_a_line_stamped_before_its_execution_by_another_clock_is_still_found(
    db: Database,
) -> None:
    """Lines older than the window are dropped before their executions are looked up, but
    not a line stamped up to `SKEW` before its execution was created (another machine's
    clock); an execution created before the window stays out whatever its lines say."""
    start = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
    with db.write() as conn:
        early = make_execution(conn, created_at=start - timedelta(days=10))
        skewed = make_execution(conn, created_at=start)
        log_store.insert_log_lines(
            conn,
            [
                LogLine(skewed.execution_id, 1, start - timedelta(hours=20), "INFO", "needle"),
                LogLine(early.execution_id, 1, start, "INFO", "needle late"),
            ],
        )
    search = parse_log_search("needle")
    with db.read() as conn:
        window = ExecutionFilter(since=start - timedelta(hours=1))
        found = log_search.list_matching_executions(conn, search, window)
        everything = log_search.list_matching_executions(conn, search, ExecutionFilter())
    assert [key[0] for key in found] == [skewed.execution_id]
    assert [key[0] for key in everything] == [skewed.execution_id, early.execution_id]
