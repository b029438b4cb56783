"""Resource usage as the graphs read it: downsampled to at most `resolution` points per
series with every peak kept, on the execution's own elapsed time, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database, NotFound
from runplane.views.list_query import ListingError
from runplane.views.resources import (
    DEFAULT_RESOLUTION,
    SETTLED_AFTER,
    load_resource_usage,
    parse_resolution,
    usage_json,
)
from tests.factories import make_execution, make_samples

START = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
NOW = START + timedelta(days=2)


def _cpu(count: int, peak_at: int) -> list[float]:
    """A wavy CPU % with one spike of 97.5 at sample `peak_at`."""
    return [97.5 if i == peak_at else 10.0 + (i % 7) for i in range(count)]


@pytest.mark.parametrize("count", [1, 10, 500, 501, 100_000])
def test_downsampling_keeps_the_peaks_and_bounds_the_points(db: Database, count: int) -> None:
    peak_at = count * 2 // 3
    rss = [50_000_000 + (i % 13) * 1000 for i in range(count)]
    rss[count // 3] = 3_000_000_000
    with db.write() as conn:
        e = make_execution(conn, started_at=START, completed_at=START + timedelta(seconds=count))
        make_samples(conn, e, _cpu(count, peak_at), rss)
    with db.read() as conn:
        usage = load_resource_usage(conn, e.execution_id, now=NOW)
    assert usage.samples == count
    assert usage.downsampled is (count > DEFAULT_RESOLUTION)
    for series in (usage.cpu, usage.memory):
        assert 1 <= len(series.points) <= DEFAULT_RESOLUTION
        assert len(series.points) >= min(count, DEFAULT_RESOLUTION // 2)
        elapsed = [p.elapsed for p in series.points]
        assert elapsed == sorted(elapsed)
    if count <= DEFAULT_RESOLUTION:
        assert len(usage.cpu.points) == count
    assert usage.cpu.peak is not None
    assert usage.memory.peak is not None
    assert usage.cpu.peak.value == 97.5
    assert usage.cpu.peak.elapsed == pytest.approx(float(peak_at))
    assert max(p.value for p in usage.cpu.points) == 97.5
    assert usage.memory.peak.value == 3_000_000_000
    assert usage.memory.peak.elapsed == pytest.approx(float(count // 3))
    assert usage.elapsed == pytest.approx(float(count))


def test_a_lower_resolution_merges_buckets_and_still_keeps_the_peak(db: Database) -> None:
    with db.write() as conn:
        e = make_execution(conn, started_at=START, completed_at=START + timedelta(minutes=20))
        make_samples(conn, e, _cpu(1200, 777))
    with db.read() as conn:
        usage = load_resource_usage(conn, e.execution_id, now=NOW, resolution=10)
    assert 5 <= len(usage.cpu.points) <= 10
    assert usage.cpu.peak is not None
    assert (usage.cpu.peak.value, usage.cpu.peak.elapsed) == (97.5, pytest.approx(777.0))


def test_the_time_axis_is_the_executions_own_elapsed_time(db: Database) -> None:
    """Samples start when it ran, not at 0; a running one's axis reaches now."""
    with db.write() as conn:
        e = make_execution(conn, status=ExecutionStatus.RUNNING, started_at=START)
        make_samples(conn, e, [5.0, 6.0, 7.0], every=2.0)
    with db.read() as conn:
        usage = load_resource_usage(conn, e.execution_id, now=START + timedelta(seconds=30))
    assert [p.elapsed for p in usage.cpu.points] == [0.0, 2.0, 4.0]
    assert usage.elapsed == 30.0


@pytest.mark.parametrize(
    ("status", "started", "reason"),
    [
        (ExecutionStatus.PENDING, False, "No samples yet: sampling starts when it runs."),
        (ExecutionStatus.RUNNING, True, "No samples yet."),
        (ExecutionStatus.COMPLETED, True, "Finished before the first sample."),
        (ExecutionStatus.CANCELLED, False, "Never started, so nothing was sampled."),
    ],
)
def test_without_samples_the_reason_says_why(
    db: Database, status: ExecutionStatus, started: bool, reason: str
) -> None:
    with db.write() as conn:
        e = make_execution(conn, status=status, started_at=START if started else None)
    with db.read() as conn:
        usage = load_resource_usage(conn, e.execution_id, now=NOW)
    assert (usage.samples, usage.cpu.points, usage.cpu.peak) == (0, (), None)
    assert usage.empty_reason == reason


def test_the_json_carries_units_elapsed_seconds_and_peaks(db: Database) -> None:
    with db.write() as conn:
        e = make_execution(conn, started_at=START, completed_at=START + timedelta(seconds=3))
        make_samples(conn, e, [12.345, 80.0, 3.0], [1_000, 2_000, 1_500])
    with db.read() as conn:
        body = usage_json(load_resource_usage(conn, e.execution_id, now=NOW))
    assert body["elapsed_seconds"] == 3.0
    assert (body["samples"], body["resolution"], body["downsampled"]) == (3, 500, False)
    assert body["series"]["cpu"] == {
        "unit": "percent",
        "points": [[0.0, 12.35], [1.0, 80.0], [2.0, 3.0]],
        "peak": {"elapsed_seconds": 1.0, "value": 80.0},
    }
    assert body["series"]["memory"]["unit"] == "bytes"
    assert body["series"]["memory"]["peak"] == {"elapsed_seconds": 1.0, "value": 2000}


def test_an_unknown_execution_is_not_found(db: Database) -> None:
    with db.read() as conn, pytest.raises(NotFound):
        load_resource_usage(conn, "no-such-execution", now=NOW)


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 500), ("", 500), ("10", 10), ("2000", 2000), (" 42 ", 42)]
)
def test_resolution_defaults_and_bounds(raw: str | None, expected: int) -> None:
    assert parse_resolution(raw) == expected


@pytest.mark.parametrize("raw", ["9", "2001", "-5", "lots", "1e3"])
def test_a_resolution_out_of_bounds_names_them(raw: str) -> None:
    with pytest.raises(ListingError, match="between 10 and 2000") as caught:
        parse_resolution(raw)
    assert caught.value.param == "resolution"


def test_a_settled_execution_is_read_once_and_a_recent_one_every_time(db: Database) -> None:
    """Samples cannot change long after the end; just after it the sampler may add one."""
    ended = START + timedelta(seconds=2)
    with db.write() as conn:
        settled = make_execution(conn, started_at=START, completed_at=ended)
        recent = make_execution(conn, started_at=START, completed_at=ended)
        make_samples(conn, settled, [1.0, 2.0])
        make_samples(conn, recent, [1.0, 2.0])
    with db.read() as conn:
        load_resource_usage(conn, settled.execution_id, now=ended + SETTLED_AFTER)
        load_resource_usage(conn, recent.execution_id, now=ended + timedelta(seconds=1))
    with db.write() as conn:
        make_samples(conn, settled, [1.0, 2.0, 3.0])
        make_samples(conn, recent, [1.0, 2.0, 3.0])
    with db.read() as conn:
        again = load_resource_usage(conn, settled.execution_id, now=ended + SETTLED_AFTER * 2)
        fresh = load_resource_usage(conn, recent.execution_id, now=ended + timedelta(seconds=2))
    assert again.samples == 2
    assert fresh.samples == 5
