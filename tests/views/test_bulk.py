"""A bulk filter is parsed as the list parses its query, with its window fixed to instants;
a preview and an operation read back as the API shows them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from runplane.views.bulk import FILTER_KEYS, load_progress, parse_bulk_filter
from runplane.views.list_query import ListingError
from tests.conftest import FakeClock
from tests.factories import failed_typed, start_bulk

NOW = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_a_relative_range_becomes_absolute_instants() -> None:
    parsed = parse_bulk_filter({"status": "failed", "range": "24h"}, NOW)
    assert parsed.store.statuses == frozenset({ExecutionStatus.FAILED})
    assert (parsed.store.since, parsed.store.until) == (
        datetime(2025, 12, 21, 8, 0, tzinfo=UTC),
        None,
    )
    assert parsed.shown["since"] == "2025-12-21T08:00:00Z"


def test_a_preset_expands_as_on_the_list() -> None:
    parsed = parse_bulk_filter({"preset": "recent-failures"}, NOW)
    assert parsed.store.statuses == frozenset({ExecutionStatus.FAILED})
    assert parsed.shown["preset"] == "recent-failures"


def test_the_keys_are_the_lists_filters() -> None:
    assert {"status", "pipeline", "trigger", "range", "since", "until", "preset"} <= set(
        FILTER_KEYS
    )
    assert {"param", "q", "sla"} <= set(FILTER_KEYS)
    assert "params" not in FILTER_KEYS


def test_parameter_filters_and_free_text_read_as_the_list_echoes_them() -> None:
    parsed = parse_bulk_filter({"param": {"day": ["2025-12-22", "2025-12-29"]}, "q": "otc"}, NOW)
    assert parsed.shown["param"] == {"day": ["2025-12-22", "2025-12-29"]}
    assert parsed.shown["q"] == "otc"
    assert [m.name for m in parsed.store.params] == ["day"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"statuss": "failed"}, "unknown filter 'statuss'"),
        ({"status": "done"}, "unknown execution status 'done'"),
        ({"range": ["24h", "7d"]}, "filter range must be a string"),
        ({"status": [1]}, "filter status must be a string or a list of strings"),
        ({"param": "day=2025-12-22"}, "filter param must be an object"),
        ({"param": {"day": 5}}, "filter param.day must be a string or a list of strings"),
    ],
)
def test_a_bad_filter_names_what_is_wrong(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ListingError, match=message):
        parse_bulk_filter(raw, NOW)


def test_an_operation_reads_back_with_its_counts(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        ids = [failed_typed(conn, n).execution_id for n in (1, 2)]
    operation = start_bulk(db, "retry", ids, clock=clock)
    with db.read() as conn:
        progress = load_progress(conn, operation.bulk_id)
    assert (progress.done, progress.queued, progress.skipped, progress.percent) == (0, 2, {}, 0)
    assert sorted(i.execution_id for i in progress.items) == sorted(ids)
