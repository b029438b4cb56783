"""The bucket grid of a growing run: each refresh reads only its newest buckets, keeps the
complete ones, merges them exactly when the run outgrows its width, and always agrees
with reading every sample again; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from runplane.model import Execution, ExecutionStatus
from runplane.store import Database
from runplane.store import resources as sample_store
from runplane.store.tables import resource_samples
from runplane.views.sample_buckets import grid_width, read_buckets
from tests.factories import make_execution, make_samples

START = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
POINTS = 50


def _cpu(offset: int, count: int) -> list[float]:
    return [float((offset + i) * 37 % 101) for i in range(count)]


def _grow(db: Database, e: Execution, offset: int, count: int) -> None:
    with db.write() as conn:
        make_samples(conn, e, _cpu(offset, count), start=START + timedelta(seconds=offset))


def _read(db: Database, e: Execution) -> list[sample_store.SampleBucket]:
    with db.read() as conn:
        span = sample_store.find_sample_range(conn, e.execution_id)
        assert span is not None
        return read_buckets(conn, e.execution_id, first=span[0], last=span[1], points=POINTS)


def _everything(db: Database, e: Execution, width: float) -> list[sample_store.SampleBucket]:
    with db.read() as conn:
        return sample_store.list_sample_buckets(
            conn, e.execution_id, origin=START, width=width, since=START
        )


def test_a_growing_run_agrees_with_reading_every_sample_again(db: Database) -> None:
    with db.write() as conn:
        e = make_execution(conn, status=ExecutionStatus.RUNNING, started_at=START)
    offset = 0
    for count in (120, 7, 1, 60, 300, 2):  # widths 4 s, 4 s, 4 s, 4 s, 16 s, 16 s
        _grow(db, e, offset, count)
        offset += count
        buckets = _read(db, e)
        width = grid_width(offset - 1, POINTS)
        assert buckets == _everything(db, e, width)
        assert len(buckets) <= POINTS
        assert sum(b.samples for b in buckets) == offset
        assert max(b.cpu_percent for b in buckets) == max(_cpu(0, offset))


def test_a_refresh_reads_only_the_newest_buckets(db: Database) -> None:
    """Samples the kept buckets cover are not read again (here: gone, yet still counted)."""
    with db.write() as conn:
        e = make_execution(conn, status=ExecutionStatus.RUNNING, started_at=START)
    _grow(db, e, 0, 100)
    first = _read(db, e)
    with db.write() as conn:
        conn.execute(
            delete(resource_samples).where(
                resource_samples.c.execution_id == e.execution_id,
                resource_samples.c.at > START,
                resource_samples.c.at < START + timedelta(seconds=40),
            )
        )
    _grow(db, e, 100, 5)
    again = _read(db, e)
    assert again[: len(first) - 2] == first[:-2]
    assert sum(b.samples for b in again) == 105


@pytest.mark.parametrize(
    ("seconds", "points", "width"),
    [(0, 500, 1.0), (499, 500, 1.0), (500, 500, 2.0), (99_999, 500, 256.0), (10, 500, 0.03125)],
)
def test_the_width_is_the_narrowest_power_of_two_that_fits(
    seconds: float, points: int, width: float
) -> None:
    assert grid_width(seconds, points) == width
    assert seconds / width <= points - 1
