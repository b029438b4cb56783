"""The store contract for parameter filters and free text (the side table on SQLite, the
GIN-indexed containment on PostgreSQL, free text on both): the same answers on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, inspect, select

from runplane.model import Execution, ExecutionStatus
from runplane.model.param_filters import ParamMatch, indexed
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.schema import alembic_config, upgrade
from runplane.store.tables import execution_params, executions
from tests.factories import make_execution
from tests.support.param_index import assert_params_indexed

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def _many(db: Database, params: list[dict[str, Any]], **overrides: Any) -> list[Execution]:
    with db.write() as conn:
        return [
            make_execution(conn, params=p, created_at=T0 + timedelta(minutes=i), **overrides)
            for i, p in enumerate(params)
        ]


def _ids(db: Database, *matches: ParamMatch, **filters: Any) -> list[str]:
    query = store.ExecutionFilter(params=matches, **filters)
    with db.read() as conn:
        return [e.execution_id for e in store.list_executions(conn, query, limit=100)]


def _newest_first(executions: list[Execution]) -> list[str]:
    return [e.execution_id for e in reversed(executions)]


def test_insert_indexes_each_scalar_parameter_in_the_same_transaction(db: Database) -> None:
    params = {"day": "2025-12-22", "n": 5.0, "flag": True, "tags": ["a"], "none": None}
    (made,) = _many(db, [params])
    with db.read() as conn:
        rows = conn.execute(
            select(execution_params.c.name, execution_params.c.value, execution_params.c.created_at)
            .where(execution_params.c.execution_id == made.execution_id)
            .order_by(execution_params.c.name)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("day", "2025-12-22", T0),
        ("flag", "true", T0),
        ("n", "5", T0),
    ]
    assert sorted(indexed(params)) == [(r[0], r[1]) for r in rows]


def test_a_string_or_date_filter_matches_equal_values_only(db: Database) -> None:
    made = _many(db, [{"day": "2025-12-22"}, {"day": "2025-12-29"}, {"day": "2025-12-22 "}, {}])
    assert _ids(db, ParamMatch("day", ("2025-12-22",))) == [made[0].execution_id]


@pytest.mark.parametrize(
    ("value", "matching"),
    [
        ("5", [0, 1, 2]),  # 5, 5.0 and "5"
        ("5.0", [0, 1, 2, 4]),  # and the text "5.0"
        ("5e0", [0, 1, 2]),
        ("05", [3]),  # JSON has no leading zeros: text only
        ("2.50", [6]),
        ("true", [7]),
    ],
)
def test_numbers_compare_numerically(db: Database, value: str, matching: list[int]) -> None:
    made = _many(
        db,
        [{"n": n} for n in (5, 5.0, "5", "05", "5.0", 6, 2.5, True)],
    )
    found = _ids(db, ParamMatch("n", (value,)))
    assert found == [made[i].execution_id for i in reversed(matching)]


def test_names_combine_with_and_and_a_repeated_name_with_or(db: Database) -> None:
    made = _many(
        db,
        [
            {"day": "2025-12-22", "tier": "OTC"},
            {"day": "2025-12-22", "tier": "NMS"},
            {"day": "2025-12-29", "tier": "OTC"},
            {"day": "2026-01-05", "tier": "OTC"},
        ],
    )
    both = _ids(db, ParamMatch("day", ("2025-12-22",)), ParamMatch("tier", ("OTC",)))
    assert both == [made[0].execution_id]
    either = _ids(db, ParamMatch("day", ("2025-12-22", "2025-12-29")), ParamMatch("tier", ("OTC",)))
    assert either == [made[2].execution_id, made[0].execution_id]


def test_parameter_filters_combine_with_status_pipeline_and_window(db: Database) -> None:
    day = {"day": "2025-12-22"}
    with db.write() as conn:
        failed = make_execution(conn, params=day, status="failed", created_at=T0)
        make_execution(conn, params=day, status="completed", created_at=T0)
        make_execution(conn, params=day, status="failed", created_at=T0, pipeline="runplane.sleep")
        make_execution(conn, params=day, status="failed", created_at=T0 - timedelta(days=2))
    match = ParamMatch("day", ("2025-12-22",))
    found = _ids(
        db, match, statuses=frozenset({ExecutionStatus.FAILED}),
        pipelines=frozenset({"runplane.noop"}), since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=1),
    )  # fmt: skip
    assert found == [failed.execution_id]


def test_keyset_pages_of_a_parameter_filter_cover_every_match_once(db: Database) -> None:
    made = _many(db, [{"day": "2025-12-22" if i % 3 else "2025-12-29"} for i in range(20)])
    wanted = [e.execution_id for e in reversed(made) if e.params["day"] == "2025-12-22"]
    query = store.ExecutionFilter(params=(ParamMatch("day", ("2025-12-22", "2026-01-05")),))
    seen: list[str] = []
    after = None
    with db.read() as conn:
        while page := store.list_execution_keys(conn, query, limit=4, after=after):
            seen += [key[0] for key in page]
            after = (page[-1][1], page[-1][0])
    assert seen == wanted


def test_free_text_matches_id_prefixes_pipeline_names_and_value_prefixes(db: Database) -> None:
    with db.write() as conn:
        by_tier = make_execution(conn, params={"tier": "OTC"}, created_at=T0)
        sleeper = make_execution(conn, pipeline="runplane.sleep", created_at=T0)
        other = make_execution(conn, params={"tier": "NMS"}, created_at=T0)

    def search(text: str) -> set[str]:
        with db.read() as conn:
            found = store.list_executions(conn, store.ExecutionFilter(search=text), limit=50)
        return {e.execution_id for e in found}

    assert search("ot") == {by_tier.execution_id}  # a value's prefix, ignoring case
    assert search("sleep") == {sleeper.execution_id}  # within a pipeline name
    assert search(other.execution_id[:8].upper()) == {other.execution_id}
    assert search("50%_") == set()  # LIKE's wildcards are plain text


def test_counting_a_parameter_filter_stops_at_the_cap(db: Database) -> None:
    _many(db, [{"day": "2025-12-22"}] * 5, status="failed")
    _many(db, [{"day": "2025-12-22"}] * 2)
    query = store.ExecutionFilter(params=(ParamMatch("day", ("2025-12-22",)),))
    with db.read() as conn:
        exact = store.count_matching(conn, query, cap=10)
        capped = store.count_matching(conn, query, cap=4)
    assert (exact[0][ExecutionStatus.FAILED], exact[0][ExecutionStatus.COMPLETED]) == (5, 2)
    assert exact[1] is False
    assert (sum(capped[0].values()), capped[1]) == (4, True)


def test_free_text_and_a_parameter_filter_combine(db: Database) -> None:
    with db.write() as conn:
        wanted = make_execution(conn, params={"day": "2025-12-22", "tier": "OTC"}, created_at=T0)
        make_execution(conn, params={"day": "2025-12-22", "tier": "NMS"}, created_at=T0)
        make_execution(conn, params={"day": "2025-12-29", "tier": "OTC"}, created_at=T0)
    query = store.ExecutionFilter(params=(ParamMatch("day", ("2025-12-22",)),), search="otc")
    with db.read() as conn:
        found = store.list_executions(conn, query)
        counted = store.count_matching(conn, query, cap=10)
    assert [e.execution_id for e in found] == [wanted.execution_id]
    assert sum(counted[0].values()) == 1


def test_the_upgrade_indexes_the_executions_stored_before_it(db: Database) -> None:
    _many(db, [{"day": "2025-12-22", "n": i} for i in range(25)] + [{}, {"tags": ["a"]}])
    config = alembic_config()
    with db.engine.connect() as conn:  # back to before the side table existed
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
        conn.commit()
    assert "execution_params" not in inspect(db.engine).get_table_names()
    upgrade(db)
    assert assert_params_indexed(db) == 50
    assert _ids(db, ParamMatch("n", ("7",))) != []


def test_a_parameter_filter_is_answered_from_its_index(db: Database) -> None:
    """SQLite walks the side table's index; PostgreSQL can answer the containment from the
    GIN index (told to avoid scanning the table or walking the time index in order, as it
    may choose on a table this small, depending on its statistics)."""
    _many(db, [{"day": "2025-12-22", "n": i} for i in range(5)])
    query = store.ExecutionFilter(params=(ParamMatch("n", ("3",)),))
    sent: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        sent.append((sql, params))

    with db.read() as conn:
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert len(store.list_execution_keys(conn, query)) == 1
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        (sql, params), *_ = [s for s in sent if "executions" in s[0]]
        if db.dialect == "sqlite":
            plan = " / ".join(
                row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
            )
            assert "USING COVERING INDEX ix_execution_params_lookup" in plan, plan
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
            plan = " / ".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, params))
            assert "ix_executions_params" in plan, plan


@pytest.mark.parametrize(
    ("params", "matches"),
    [
        ({"day": "2025-12-22"}, True),
        ({"day": ["2025-12-22"]}, False),  # a list is not indexed, whatever its JSON says
        ({"day": {"v": "2025-12-22"}}, False),
        ({"other": "2025-12-22"}, False),
    ],
)
def test_a_plain_value_tested_in_the_row_agrees_with_the_side_table(
    db: Database, params: dict[str, Any], matches: bool
) -> None:
    with db.write() as conn:
        made = make_execution(conn, params=params, created_at=T0)
    query = store.ExecutionFilter(params=(ParamMatch("day", ("2025-12-22",)),))
    with db.read() as conn:
        found = conn.execute(
            select(executions.c.execution_id).where(*query.where(db.dialect))
        ).scalars()
        assert list(found) == ([made.execution_id] if matches else [])


@pytest.mark.parametrize("value", ["OTC", "café", 'say "hi"', "back\\slash", "tab\tin"])
def test_a_value_json_would_escape_matches_its_row_and_no_other(db: Database, value: str) -> None:
    """SQLite first looks for the value's JSON spelling in the row's text; a value whose
    spelling is escaped is still found, and a row holding only a near value is not."""
    made = _many(db, [{"tier": value}, {"tier": value + "x"}, {"tier": "x" + value}])
    match = ParamMatch("tier", (value,))
    assert _ids(db, match) == [made[0].execution_id]
    with db.read() as conn:  # the test on the row itself, whichever index a list walks
        tested = store.ExecutionFilter(params=(match,)).where(db.dialect)
        found = conn.execute(select(executions.c.execution_id).where(*tested)).scalars()
        assert list(found) == [made[0].execution_id]


@pytest.mark.parametrize("odd", [float("inf"), float("-inf"), float("nan")])
def test_a_row_whose_json_spells_a_non_finite_number_is_looked_up_instead(
    sqlite_db: Database, odd: float
) -> None:
    """SQLite's JSON functions refuse `Infinity` and `NaN` (PostgreSQL refuses to store
    them), so such a row is tested through the side table."""
    with sqlite_db.write() as conn:
        made = make_execution(conn, params={"day": "2025-12-22", "x": odd}, created_at=T0)
        make_execution(conn, params={"day": "2025-12-29", "x": odd}, created_at=T0)
    query = store.ExecutionFilter(params=(ParamMatch("day", ("2025-12-22",)),))
    with sqlite_db.read() as conn:
        found = conn.execute(select(executions.c.execution_id).where(*query.where("sqlite")))
        assert list(found.scalars()) == [made.execution_id]
