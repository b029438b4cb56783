"""Hourly counts of finished executions: kept in step with every ending (not with a rolled
back one), equal to counting the rows for any window and filter, and rebuilt by the
upgrade that introduces them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import func, insert, select

from runplane.model import ExecutionStatus, Trigger
from runplane.model.cost import Cost
from runplane.store import Database, Rollback, counts, schema
from runplane.store import executions as store
from runplane.store.costs import cost_values
from runplane.store.tables import execution_counts, executions
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
PIPELINES = ("runplane.noop", "runplane.sleep", "runplane.fail")
S = ExecutionStatus


def seed_history(db: Database, rng: random.Random, n: int = 240) -> list[str]:
    """Executions over three days, then moves through the transition table, some of them
    in transactions that roll back."""
    ids = []
    with db.write() as conn:
        for _ in range(n):
            created = T0 + timedelta(seconds=rng.randrange(3 * 86_400))
            execution = make_execution(
                conn, created_at=created, status="pending", pipeline=rng.choice(PIPELINES),
                trigger=rng.choice(list(Trigger)),
            )  # fmt: skip
            ids.append(execution.execution_id)
    for execution_id in ids:
        moves = [(S.PENDING, S.RUNNING), (S.RUNNING, rng.choice([S.COMPLETED, S.FAILED]))]
        for old, new in moves[: rng.randrange(3)]:
            with db.write() as conn:
                assert store.update_status(conn, execution_id, old, new)
    for execution_id in rng.sample(ids, 20):
        with pytest.raises(RuntimeError):
            cancel_then_roll_back(db, execution_id)
    return ids


def cancel_then_roll_back(db: Database, execution_id: str) -> None:
    with db.write() as conn:
        store.update_status(conn, execution_id, S.PENDING, S.CANCELLED)
        raise RuntimeError("rolled back")


def counted(db: Database, filter: store.ExecutionFilter) -> dict[ExecutionStatus, int]:
    """The truth: a GROUP BY over the rows themselves."""
    where = store.ExecutionFilter(
        pipelines=filter.pipelines, triggers=filter.triggers, since=filter.since, until=filter.until
    ).where(db.dialect)
    query = select(executions.c.status, func.count()).where(*where).group_by(executions.c.status)
    with db.read() as conn:
        found = {S(status): n for status, n in conn.execute(query)}
    return {s: found.get(s, 0) if not filter.statuses or s in filter.statuses else 0 for s in S}


def windows(rng: random.Random) -> list[tuple[datetime | None, datetime | None]]:
    on_the_hour = T0 + timedelta(hours=5)
    within = T0 + timedelta(hours=30, minutes=10)
    fixed = [
        (None, None),
        (on_the_hour, None),
        (None, on_the_hour + timedelta(hours=20)),
        (on_the_hour, on_the_hour + timedelta(hours=24)),
        (within, within + timedelta(minutes=40)),  # inside one hour
        (within, within + timedelta(hours=1)),  # across one boundary, no whole hour
        (within, None),
    ]
    randomised = []
    for _ in range(15):
        since = T0 + timedelta(seconds=rng.randrange(-3600, 3 * 86_400))
        randomised.append((since, since + timedelta(seconds=rng.randrange(1, 2 * 86_400))))
    return fixed + randomised


def test_counts_equal_counting_the_rows_for_any_window_and_filter(db: Database) -> None:
    rng = random.Random(7)
    seed_history(db, rng)
    filters = [
        {},
        {"pipelines": frozenset({"runplane.fail"})},
        {"triggers": frozenset({Trigger.SCHEDULED, Trigger.API})},
        {"statuses": frozenset({S.FAILED, S.PENDING})},
    ]
    for since, until in windows(rng):
        for extra in filters:
            filter = store.ExecutionFilter(since=since, until=until, **extra)  # type: ignore[arg-type]
            with db.read() as conn:
                assert store.count_by_status(conn, filter) == counted(db, filter), filter


def test_a_rebuild_finds_the_counts_kept_in_step(db: Database) -> None:
    seed_history(db, random.Random(3))
    query = (
        select(execution_counts)
        .where(execution_counts.c.n != 0)
        .order_by(*execution_counts.primary_key.columns)
    )
    with db.read() as conn:
        kept = conn.execute(query).all()
    with db.write() as conn:
        counts.rebuild(conn)
    with db.read() as conn:
        assert conn.execute(query).all() == kept
    final = [str(s) for s in S if s.is_final]
    with db.read() as conn:
        finished = conn.execute(
            select(func.count()).select_from(executions).where(executions.c.status.in_(final))
        ).scalar_one()
    assert finished > 50
    for by_pipeline in (True, False):
        for by_trigger in (True, False):
            rows = [
                row
                for row in kept
                if (row.pipeline != counts.ANY) == by_pipeline
                and (row.trigger != counts.ANY) == by_trigger
            ]
            assert sum(row.n for row in rows) == finished, (by_pipeline, by_trigger)


def test_the_upgrade_counts_the_executions_already_stored(db: Database) -> None:
    config = schema.alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
        conn.commit()
    row = {
        "pipeline": "runplane.noop", "params": {}, "params_hash": "h", "trigger": "api",
        "triggered_by": "local", "trigger_time": T0, "capture_id": "c", "attempt": 1,
    }  # fmt: skip
    with db.write() as conn:
        conn.execute(
            insert(executions),
            [
                row | {"execution_id": f"e{i}", "status": status, "created_at": T0 + offset}
                for i, (status, offset) in enumerate(
                    [
                        ("completed", timedelta(minutes=5)),
                        ("completed", timedelta(minutes=59, seconds=59)),
                        ("failed", timedelta(minutes=30)),
                        ("completed", timedelta(hours=1)),
                    ]
                )
            ],
        )
    schema.upgrade(db)
    with db.read() as conn:
        rows = conn.execute(
            select(
                execution_counts.c.hour,
                execution_counts.c.pipeline,
                execution_counts.c.trigger,
                execution_counts.c.status,
                execution_counts.c.n,
            ).order_by(
                execution_counts.c.hour,
                execution_counts.c.pipeline,
                execution_counts.c.trigger,
                execution_counts.c.status,
            )
        ).all()
        day = store.count_by_status(conn, store.ExecutionFilter(since=T0 + timedelta(minutes=1)))
    hour_1 = T0 + timedelta(hours=1)
    assert [tuple(r) for r in rows] == [  # totals, per trigger, per pipeline, per pair
        (T0, "*", "*", "completed", 2),
        (T0, "*", "*", "failed", 1),
        (T0, "*", "api", "completed", 2),
        (T0, "*", "api", "failed", 1),
        (T0, "runplane.noop", "*", "completed", 2),
        (T0, "runplane.noop", "*", "failed", 1),
        (T0, "runplane.noop", "api", "completed", 2),
        (T0, "runplane.noop", "api", "failed", 1),
        (hour_1, "*", "*", "completed", 1),
        (hour_1, "*", "api", "completed", 1),
        (hour_1, "runplane.noop", "*", "completed", 1),
        (hour_1, "runplane.noop", "api", "completed", 1),
    ]
    assert (day[S.COMPLETED], day[S.FAILED]) == (3, 1)


def test_a_status_change_outside_a_write_transaction_is_refused_not_counted_elsewhere(
    db: Database,
) -> None:
    with db.write() as conn:
        running = make_execution(conn, status="running", created_at=T0)
    with (
        db.engine.connect() as conn,
        conn.begin(),
        pytest.raises(RuntimeError, match=r"outside Database.write\(\)"),
    ):
        store.update_status(
            conn, running.execution_id, ExecutionStatus.RUNNING, ExecutionStatus.COMPLETED
        )
    with db.write() as conn:  # the next writer is credited with nothing of the above
        make_execution(conn, status="failed", created_at=T0)
    with db.read() as conn:
        assert counts.count_statuses(conn, [ExecutionStatus.COMPLETED, ExecutionStatus.FAILED]) == {
            ExecutionStatus.COMPLETED: 0,
            ExecutionStatus.FAILED: 1,
        }


def test_a_rolled_back_write_counts_nothing(db: Database) -> None:
    with db.write() as conn:
        make_execution(conn, status="completed", created_at=T0)
        raise Rollback
    with db.read() as conn:
        assert counts.count_statuses(conn, [ExecutionStatus.COMPLETED]) == {
            ExecutionStatus.COMPLETED: 0
        }


def test_cost_sums_kept_in_step_are_those_a_rebuild_finds(db: Database) -> None:
    rng = random.Random(9)
    ids = seed_history(db, rng)
    with db.write() as conn:
        for execution_id in ids[:60]:
            cost = Cost(rng.uniform(0, 1), "USD", rng.uniform(0, 9), 1.0, "vtest")
            store.update_status(
                conn, execution_id, S.RUNNING, S.COMPLETED, **cost_values(cost, 1 << 20)
            )
    query = select(execution_counts).order_by(*execution_counts.primary_key.columns)
    with db.read() as conn:
        kept = [tuple(row) for row in conn.execute(query)]
    with db.write() as conn:
        counts.rebuild(conn)
    with db.read() as conn:
        rebuilt = [tuple(row) for row in conn.execute(query)]
    assert [row[:5] for row in rebuilt] == [row[:5] for row in kept if row[4] != 0]
    kept_sums = {row[:4]: row[5:] for row in kept if row[4] != 0}
    for row in rebuilt:
        assert row[5:] == pytest.approx(kept_sums[row[:4]])
    totals = [row for row in rebuilt if row[1] == counts.ANY and row[2] == counts.ANY]
    with db.read() as conn:
        recorded = conn.execute(select(func.sum(executions.c.cost_amount))).scalar_one()
    assert recorded > 0
    assert sum(row[5] for row in totals) == pytest.approx(recorded)
