"""The executions list vocabulary: parsing, presets, cursors, pages and cached counts, on both
databases, and the SQLite query plans behind every list and count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.store import Database
from runplane.views import list_query, listing
from runplane.views.list_caches import CountCache
from runplane.views.list_query import ListingError, Preset
from runplane.views.param_query import param_pairs
from tests.conftest import FakeClock
from tests.factories import make_execution

NOW = datetime(2025, 12, 22, 12, 0, tzinfo=UTC)


def test_no_filters_means_the_last_24_hours() -> None:
    filters = list_query.parse_filters()
    assert filters.range == "24h"
    assert filters.window(NOW) == (NOW - timedelta(hours=24), None)


def test_values_are_validated_deduplicated_and_empty_ones_ignored() -> None:
    filters = list_query.parse_filters(
        status=["failed", "", "failed", "running"], trigger=["api"], pipeline=["runplane.noop"]
    )
    assert filters.statuses == (ExecutionStatus.FAILED, ExecutionStatus.RUNNING)
    assert filters.triggers == (Trigger.API,)
    assert filters.pipelines == ("runplane.noop",)


def test_custom_window_is_utc_and_open_ended_when_one_side_is_missing() -> None:
    filters = list_query.parse_filters(since="2025-12-22T09:00:00+01:00")
    assert filters.range is None
    assert filters.window(NOW) == (datetime(2025, 12, 22, 8, 0, tzinfo=UTC), None)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("since", "9999-12-31T23:00:00Z"),
        ("until", "0001-01-01T00:00:00+01:00"),
        ("since", "1899-12-31T23:59:59Z"),
    ],
)
def test_instants_outside_the_accepted_range_are_refused_naming_it(param: str, value: str) -> None:
    with pytest.raises(ListingError, match="must be between 1900-01-01 and 2999-12-31") as info:
        list_query.parse_filters(**{param: value})
    assert info.value.param == param


@pytest.mark.parametrize(
    ("preset", "extra", "statuses", "range_"),
    [
        (Preset.RECENT_FAILURES, {}, (ExecutionStatus.FAILED,), "24h"),
        (Preset.RUNNING_NOW, {}, (ExecutionStatus.RUNNING,), None),
        (Preset.TODAYS_RUNS, {"status": ["failed"]}, (ExecutionStatus.FAILED,), "today"),
        (Preset.THIS_PIPELINE, {"pipeline": ["runplane.noop"]}, (), "24h"),
        (Preset.THIS_PIPELINE, {"pipeline": ["runplane.noop"], "range": "7d"}, (), "7d"),
    ],
)
def test_presets_expand_to_explicit_filters(
    preset: str, extra: dict[str, Any], statuses: tuple[ExecutionStatus, ...], range_: str | None
) -> None:
    filters = list_query.parse_filters(preset=preset, **extra)
    assert (filters.statuses, filters.range, filters.preset) == (statuses, range_, preset)
    echoed = filters.to_json(NOW)
    assert echoed["preset"] == preset
    assert echoed["status"] == [str(s) for s in statuses]


def test_running_now_has_no_time_limit() -> None:
    filters = list_query.parse_filters(preset=Preset.RUNNING_NOW)
    assert filters.window(NOW) == (None, None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"preset": Preset.RECENT_FAILURES, "status": ["completed"]},
        {"preset": Preset.RECENT_FAILURES, "range": "30d"},
        {"preset": Preset.RUNNING_NOW, "status": ["pending"]},
        {"preset": Preset.RUNNING_NOW, "since": "2025-12-22T00:00:00Z"},
        {"preset": Preset.TODAYS_RUNS, "range": "1h"},
        {"preset": Preset.THIS_PIPELINE},
        {"preset": Preset.THIS_PIPELINE, "pipeline": ["runplane.noop", "runplane.fail"]},
    ],
)
def test_a_preset_that_contradicts_an_explicit_filter_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ListingError):
        list_query.parse_filters(**kwargs)


def test_today_starts_at_midnight_utc() -> None:
    assert list_query.parse_filters(range="today").window(NOW)[0] == datetime(
        2025, 12, 22, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({}, "the last 24 h"),
        ({"range": "today"}, "today (UTC)"),
        ({"preset": Preset.RUNNING_NOW}, "any time"),
        ({"since": "2025-12-22T08:00:00Z"}, "since 2025-12-22T08:00:00Z"),
        (
            {"since": "2025-12-22T08:00:00Z", "until": "2025-12-23T08:00:00Z"},
            "2025-12-22T08:00:00Z to 2025-12-23T08:00:00Z",
        ),
    ],
)
def test_the_window_reads_as_words(kwargs: dict[str, Any], label: str) -> None:
    assert list_query.parse_filters(**kwargs).window_label == label


def reparse(filters: list_query.ListFilters) -> list_query.ListFilters:
    params = filters.query_params()
    single = {k: v for k, v in params if k in ("range", "since", "until", "preset", "q")}
    return list_query.parse_filters(
        status=[v for k, v in params if k == "status"],
        pipeline=[v for k, v in params if k == "pipeline"],
        trigger=[v for k, v in params if k == "trigger"],
        sla=[v for k, v in params if k == "sla"],
        params=param_pairs(params),
        **single,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"status": ["failed"], "pipeline": ["runplane.noop"], "since": "2025-12-22T08:00:00Z"},
        {"trigger": ["api", "manual"], "range": "7d"},
        {"preset": Preset.RECENT_FAILURES, "pipeline": ["runplane.noop"]},
        {"preset": Preset.RUNNING_NOW},
        {"preset": Preset.TODAYS_RUNS, "status": ["failed"]},
        {"preset": Preset.THIS_PIPELINE, "pipeline": ["runplane.noop"], "range": "30d"},
        {"sla": ["breached"], "range": "7d"},
        {"preset": Preset.SLA_BREACHES},
        {"preset": Preset.SLA_BREACHES, "sla": ["at_risk"], "range": "30d"},
        {"params": [("day", "2025-12-22"), ("n", "5"), ("day", "2025-12-29")], "q": "otc"},
        {"preset": Preset.RECENT_FAILURES, "params": [("day", "a&b=c")]},
    ],
)
def test_query_params_reproduce_the_filters(kwargs: dict[str, Any]) -> None:
    filters = list_query.parse_filters(**kwargs)
    assert reparse(filters) == filters


def test_the_sla_breaches_preset_selects_both_flagged_states() -> None:
    filters = list_query.parse_filters(preset=Preset.SLA_BREACHES)
    assert [str(s) for s in filters.sla] == ["breached", "at_risk"]
    assert filters.range == "24h"
    assert filters.to_store(NOW).sla_states == frozenset({"breached", "at_risk"})
    assert filters.to_json(NOW)["sla"] == ["breached", "at_risk"]
    with pytest.raises(ListingError, match="unknown SLA state 'met'; use one of breached, at_risk"):
        list_query.parse_filters(sla=["met"])


def test_cursor_round_trips_and_garbage_is_refused() -> None:
    execution = Execution(
        execution_id="e" * 36,
        pipeline="runplane.noop",
        status=ExecutionStatus.COMPLETED,
        params={},
        params_hash="",
        trigger=Trigger.API,
        triggered_by="local",
        trigger_time=NOW,
        created_at=NOW,
        capture_id="cap",
    )
    assert list_query.decode_cursor(list_query.encode_cursor(execution)) == (NOW, "e" * 36)
    for garbage in ("%%%", "bm8tc2VwYXJhdG9y", "eA", "MjAyNS0xMi0yMnxhYmM"):
        with pytest.raises(ListingError) as refused:
            list_query.decode_cursor(garbage)
        assert refused.value.param == "cursor"


def test_pages_cover_every_row_once_newest_first(db: Database) -> None:
    clock = FakeClock(NOW)
    with db.write() as conn:
        made = [make_execution(conn, created_at=NOW - timedelta(minutes=i // 3)) for i in range(11)]
        make_execution(conn, created_at=NOW - timedelta(days=2))  # outside 24 h
    expected = sorted(made, key=lambda e: (e.created_at, e.execution_id), reverse=True)
    seen: list[str] = []
    cursor = None
    filters = list_query.parse_filters()
    while True:
        page = listing.list_page(db, filters, limit=4, cursor=cursor, clock=clock)
        seen += [e.execution_id for e in page.items]
        assert page.has_more == (page.next_cursor is not None)
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert seen == [e.execution_id for e in expected]


def test_counts_cover_the_filter_and_only_its_statuses(db: Database) -> None:
    clock = FakeClock(NOW)
    statuses = ["completed"] * 4 + ["failed"] * 3 + ["running"] * 2 + ["pending"]
    with db.write() as conn:
        for i, status in enumerate(statuses):
            make_execution(conn, status=status, created_at=NOW - timedelta(minutes=i))
        make_execution(conn, status="failed", pipeline="runplane.fail", created_at=NOW)
        make_execution(conn, status="failed", created_at=NOW - timedelta(days=3))
    noop = list_query.parse_filters(pipeline=["runplane.noop"])
    page = listing.list_page(db, noop, clock=clock)
    assert {str(k): v for k, v in page.counts.items() if v} == {
        "completed": 4,
        "failed": 3,
        "running": 2,
        "pending": 1,
    }
    assert page.total == len(statuses)
    failures = listing.list_page(
        db, list_query.parse_filters(preset=Preset.RECENT_FAILURES), clock=clock
    )
    assert failures.counts[ExecutionStatus.FAILED] == 4
    assert failures.counts[ExecutionStatus.COMPLETED] == 0


def test_count_cache_reuses_counts_until_the_ttl_passes(db: Database) -> None:
    tick = [0.0]
    cache = CountCache(ttl=2.0, monotonic=lambda: tick[0])
    clock = FakeClock(NOW)
    filters = list_query.parse_filters()
    with db.write() as conn:
        make_execution(conn, status="failed", created_at=NOW)
    assert listing.list_page(db, filters, counts=cache, clock=clock).total == 1
    with db.write() as conn:
        make_execution(conn, status="failed", created_at=NOW)
    tick[0] = 1.9
    cached = listing.list_page(db, filters, counts=cache, clock=clock)
    assert (cached.total, len(cached.items)) == (1, 2)
    same_rows = list_query.parse_filters(status=["failed"], range="24h")
    assert listing.list_page(db, same_rows, counts=cache, clock=clock).total == 2
    tick[0] = 2.1
    assert listing.list_page(db, filters, counts=cache, clock=clock).total == 2


def test_a_parameter_filter_pages_echoes_and_counts_up_to_the_cap(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(NOW)
    with db.write() as conn:
        made = [
            make_execution(
                conn,
                params={"day": "2025-12-22", "n": i % 2},
                status=["failed", "completed"][i % 2],
                created_at=NOW - timedelta(minutes=i),
            )
            for i in range(9)
        ]
        make_execution(conn, params={"day": "2025-12-29"}, created_at=NOW)
    filters = list_query.parse_filters(params=[("day", "2025-12-22"), ("n", "0")])
    assert filters.to_json(NOW)["param"] == {"day": ["2025-12-22"], "n": ["0"]}
    first = listing.list_page(db, filters, limit=3, clock=clock)
    second = listing.list_page(db, filters, limit=3, cursor=first.next_cursor, clock=clock)
    wanted = [e.execution_id for e in made if e.params["n"] == 0]
    assert [e.execution_id for e in first.items + second.items] == wanted[:6]
    assert (first.total, first.counts[ExecutionStatus.FAILED], first.capped) == (5, 5, False)
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    capped = listing.list_page(db, filters, limit=3, counts=CountCache(), clock=clock)
    assert (capped.total, capped.capped) == (3, True)


def test_free_text_and_a_preset_narrow_each_other(db: Database) -> None:
    clock = FakeClock(NOW)
    with db.write() as conn:
        failed = make_execution(conn, params={"tier": "OTC"}, status="failed", created_at=NOW)
        make_execution(conn, params={"tier": "OTC"}, status="completed", created_at=NOW)
        make_execution(conn, params={"tier": "NMS"}, status="failed", created_at=NOW)
    filters = list_query.parse_filters(preset=Preset.RECENT_FAILURES, q=" otc ")
    page = listing.list_page(db, filters, clock=clock)
    assert [e.execution_id for e in page.items] == [failed.execution_id]
    assert page.filters.to_json(NOW)["q"] == "otc"
    assert page.total == 1


def test_a_preset_and_its_explicit_filters_share_a_cache_entry() -> None:
    preset = list_query.parse_filters(preset=Preset.RECENT_FAILURES)
    explicit = list_query.parse_filters(status=["failed"], range="24h")
    assert preset.cache_key() == explicit.cache_key()


def test_an_unknown_pipeline_that_never_ran_is_refused(db: Database) -> None:
    with pytest.raises(ListingError, match=r"no pipeline named 'ghost\.pipeline'"):
        listing.list_page(db, list_query.parse_filters(pipeline=["ghost.pipeline"]))
    with db.write() as conn:
        make_execution(conn, pipeline="ghost.pipeline", created_at=NOW)
    page = listing.list_page(
        db, list_query.parse_filters(pipeline=["ghost.pipeline"]), clock=FakeClock(NOW)
    )
    assert len(page.items) == 1


# --- query plans (SQLite): every list and count is an index search ----------------------


@contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "executions" in sql:
            statements.append((sql, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"preset": Preset.RECENT_FAILURES},
        {"preset": Preset.RUNNING_NOW},
        {"preset": Preset.TODAYS_RUNS},
        {"preset": Preset.THIS_PIPELINE, "pipeline": ["runplane.noop"]},
        {"pipeline": ["runplane.noop"], "range": "7d"},
        {"trigger": ["api"]},
        {"status": ["failed"], "pipeline": ["runplane.noop"]},
        {"params": [("day", "2025-12-22")]},
        {"params": [("day", "2025-12-22"), ("tier", "OTC")], "status": ["failed"], "range": "7d"},
        {"params": [("n", "5")], "preset": Preset.RECENT_FAILURES},
    ],
)
def test_list_and_counts_search_an_index_and_never_sort(
    sqlite_db: Database, kwargs: dict[str, Any]
) -> None:
    with sqlite_db.write() as conn:
        for i in range(30):
            make_execution(
                conn,
                status=["completed", "failed", "running"][i % 3],
                created_at=NOW - timedelta(hours=i),
                params={"day": "2025-12-22", "tier": "OTC", "n": 5},
            )
    first = listing.list_page(sqlite_db, list_query.parse_filters(**kwargs), clock=FakeClock(NOW))
    with captured(sqlite_db) as statements:
        listing.list_page(
            sqlite_db,
            list_query.parse_filters(**kwargs),
            cursor=list_query.encode_cursor(first.items[0]) if first.items else None,
            clock=FakeClock(NOW),
        )
    assert statements
    with sqlite_db.read() as conn:
        for sql, params in statements:
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
            text = " / ".join(plan)
            assert any("USING" in step and "INDEX" in step for step in plan), text
            assert not any(step.startswith("SCAN executions") for step in plan), text
            assert "TEMP B-TREE" not in text, text
