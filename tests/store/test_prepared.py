"""The list's prepared statements answer exactly what the Core statements they compile from
answer: same keys in the same order for every filter and cursor, same executions by id."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from runplane.model import ErrorClass, ExecutionError, ExecutionStatus, Trigger
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.execution_rows import from_row
from runplane.store.prepared import Statements
from runplane.store.tables import executions as t
from tests.factories import make_execution, sla_standing

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
STATUSES = list(ExecutionStatus)
PIPELINES = ["runplane.noop", "runplane.sleep", "team.daily"]
TRIGGERS = [Trigger.MANUAL, Trigger.SCHEDULED, Trigger.API]


def _seed(db: Database) -> None:
    with db.write() as conn:
        for i in range(60):
            status = STATUSES[i % len(STATUSES)]
            extra = {}
            if status is ExecutionStatus.FAILED:
                extra["error"] = ExecutionError(
                    type="ValueError", message="bad row", classification=ErrorClass.DATA,
                    title="Bad data", summary="a row failed", traceback="Traceback ...",
                )  # fmt: skip
            if i % 7 == 0:
                extra["sla"] = sla_standing("breached" if i % 2 else "at_risk")
            make_execution(
                conn, status=status, pipeline=PIPELINES[i % 3], trigger=TRIGGERS[i % 2],
                created_at=T0 + timedelta(minutes=i // 2),  # pairs share an instant: ids break ties
                params={"day": f"2025-12-{i % 28 + 1:02d}"}, output={"rows": i} if i % 3 else None,
                progress={"done": i} if status is ExecutionStatus.RUNNING else None,
                **extra,
            )  # fmt: skip


FILTERS = [
    store.ExecutionFilter(),
    store.ExecutionFilter(statuses=frozenset({ExecutionStatus.FAILED})),
    store.ExecutionFilter(
        statuses=frozenset({ExecutionStatus.RUNNING, ExecutionStatus.PENDING}),
        pipelines=frozenset({"runplane.noop", "team.daily"}),
    ),
    store.ExecutionFilter(triggers=frozenset({Trigger.SCHEDULED}), since=T0 + timedelta(minutes=5)),
    store.ExecutionFilter(since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=20)),
    store.ExecutionFilter(until=T0 + timedelta(minutes=10, seconds=1)),
    store.ExecutionFilter(sla_states=frozenset({"breached", "at_risk"})),
    store.ExecutionFilter(pipelines=frozenset({"absent.pipeline"})),
]


def test_keys_match_the_core_statement_for_every_filter_page_and_cursor(
    sqlite_db: Database,
) -> None:
    _seed(sqlite_db)
    with sqlite_db.read() as conn:
        for filter, limit in itertools.product(FILTERS, [1, 7, 51]):
            after = None
            for _page in range(12):
                core = conn.execute(store._keys_query(conn, filter, limit=limit, after=after))
                expected = [(r[0], r[1], ExecutionStatus(r[2])) for r in core]
                got = store.list_execution_keys(conn, filter, limit=limit, after=after)
                assert got == expected, (filter, limit, after)
                if not got:
                    break
                after = (got[-1][1], got[-1][0])
    assert all(key[1].tzinfo is UTC for key in got)


def test_executions_by_id_match_what_core_reads_field_for_field(sqlite_db: Database) -> None:
    _seed(sqlite_db)
    with sqlite_db.read() as conn:
        ids = list(conn.execute(select(t.c.execution_id)).scalars())
        for count in (1, 5, len(ids)):
            wanted = ids[:count]
            rows = conn.execute(select(t).where(t.c.execution_id.in_(wanted))).all()
            expected = {row.execution_id: from_row(row) for row in rows}
            assert store.list_executions_by_id(conn, wanted) == expected
        assert store.list_executions_by_id(conn, ["no-such-id"]) == {}
    failed = [e for e in expected.values() if e.status is ExecutionStatus.FAILED]
    assert failed
    assert all(e.error and e.error.traceback == "Traceback ..." for e in failed)


def test_a_shape_compiles_once_and_a_full_cache_starts_over(sqlite_db: Database) -> None:
    statements = Statements(max_entries=2)
    built: list[int] = []

    def build(limit: int) -> Select[Any]:
        built.append(limit)
        return select(t.c.execution_id).limit(limit)

    with sqlite_db.read() as conn:
        first = statements.get(conn, ("ids", 1), lambda: build(1))
        assert statements.get(conn, ("ids", 1), lambda: build(1)) is first
        statements.get(conn, ("ids", 2), lambda: build(2))
        statements.get(conn, ("ids", 3), lambda: build(3))
        assert statements.get(conn, ("ids", 1), lambda: build(1)) is not first
    assert built == [1, 2, 3, 1]


def test_whole_rows_newest_first_match_the_core_statement(sqlite_db: Database) -> None:
    _seed(sqlite_db)
    with sqlite_db.read() as conn:
        for filter in FILTERS:
            after = None
            for _page in range(6):
                query = select(t).where(*filter.where("sqlite"))
                if after is not None:
                    query = query.where(store.older_than(after))
                query = query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(11)
                expected = [from_row(row) for row in conn.execute(query)]
                got = store.list_executions(conn, filter, limit=11, after=after)
                assert got == expected, (filter, after)
                if not got:
                    break
                after = (got[-1].created_at, got[-1].execution_id)
