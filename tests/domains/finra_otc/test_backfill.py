"""backfill_range: the chain as child executions, in order, with a single worker slot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ErrorClass, Execution
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as execution_store
from tests.conftest import fast_settings
from tests.domains.finra_otc.conftest import place_real_weeks
from tests.domains.finra_otc.support import (
    AGGREGATE,
    BACKFILL,
    INGEST,
    NORMALIZE,
    ROLLING,
    count,
    run,
)

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture
def one_slot(tmp_path: Path, sqlite_url: str, finra_dir: Path) -> Iterator[ServingRuntime]:
    """A runtime with RUNPLANE_MAX_WORKERS=1 and the real weeks in its data directory."""
    settings: Settings = fast_settings(tmp_path, sqlite_url, max_workers=1)
    place_real_weeks(finra_dir, settings.data_dir)
    db = Database(sqlite_url)
    serving = ServingRuntime(db, settings)
    serving.start()
    yield serving
    serving.stop()
    db.dispose()


def _children(db: Database, parent: str) -> list[Execution]:
    with db.read() as conn:
        return execution_store.list_children(conn, parent)


def test_three_weeks_complete_with_one_worker_each_stage_after_the_one_before(
    one_slot: ServingRuntime,
) -> None:
    done = run(one_slot.db, BACKFILL, timeout=120, start="2025-12-15", end="2025-12-29")
    assert done.status == "completed", done.error
    children = _children(one_slot.db, done.execution_id)
    by_stage: dict[str, list[Execution]] = {}
    for child in children:
        by_stage.setdefault(child.pipeline, []).append(child)
    assert {p: len(runs) for p, runs in by_stage.items()} == {
        INGEST: 3,
        NORMALIZE: 3,
        AGGREGATE: 3,
        ROLLING: 2,
    }
    assert all(c.status == "completed" for c in children)
    by_id = {c.execution_id: c for c in children}
    runs_after = {NORMALIZE: INGEST, AGGREGATE: NORMALIZE}
    for child in by_stage[NORMALIZE] + by_stage[AGGREGATE]:
        before = by_id[child.after_id or ""]
        assert before.pipeline == runs_after[child.pipeline]
        assert before.params["week_ending"] == child.params["week_ending"]
        assert before.completed_at is not None
        assert child.started_at is not None
        assert child.started_at >= before.completed_at
    assert done.output is not None
    assert done.output["figures"]["weeks_succeeded"] == [
        "OTC 2025-12-15",
        "OTC 2025-12-22",
        "OTC 2025-12-29",
    ]
    assert done.output["summary"][0].startswith("Backfilled 3 of 3 weeks")
    assert count(one_slot.db, "finra_otc_symbol_weeks") == 3111 + 2985 + 2714


def test_a_week_that_fails_is_named_and_the_others_still_complete(
    one_slot: ServingRuntime,
) -> None:
    done = run(one_slot.db, BACKFILL, timeout=120, start="2025-12-08", end="2025-12-15")
    assert done.status == "failed"
    assert done.error is not None
    assert done.error.classification == ErrorClass.DEPENDENCY
    assert done.error.message.startswith("1 of 2 weeks did not complete (OTC 2025-12-08)")
    assert "Completed: OTC 2025-12-15" in done.error.message
    assert done.error.details["pipeline"] == INGEST
    statuses = {
        (c.pipeline, c.params["week_ending"]): c.status
        for c in _children(one_slot.db, done.execution_id)
    }
    assert statuses[(INGEST, "2025-12-08")] == "failed"
    assert statuses[(NORMALIZE, "2025-12-08")] == "cancelled"
    assert statuses[(AGGREGATE, "2025-12-15")] == "completed"


def test_a_dry_run_backfill_checks_every_file_and_writes_no_data(
    one_slot: ServingRuntime,
) -> None:
    done = run(
        one_slot.db, BACKFILL, dry_run=True, timeout=120, start="2025-12-15", end="2025-12-29"
    )
    assert done.status == "dry_run", done.error
    children = _children(one_slot.db, done.execution_id)
    assert [c.pipeline for c in children] == [INGEST] * 3
    assert all(c.status == "dry_run" and c.dry_run for c in children)
    assert sum(c.rows_processed or 0 for c in children) == 5328 + 5192 + 4655
    assert count(one_slot.db, "finra_otc_raw_rows") == 0
