"""List rows as HTML: finished rows come from the cache until what they show changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.model.sla import SlaStatus
from runplane.web import rows as row_module
from runplane.web.rows import RowCache, rows_html
from tests.factories import sla_standing

NOW = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    execution: Execution
    attempt: str | None = None
    twin: Execution | None = None
    similar: int = 0
    resolved_by: str | None = None
    trigger: str = ""
    sla: SlaStatus | None = None


def execution(status: str, **extra: object) -> Execution:
    values: dict[str, object] = {
        "execution_id": f"id-{status}",
        "pipeline": "runplane.sleep",
        "status": ExecutionStatus(status),
        "params": {},
        "params_hash": "h",
        "trigger": Trigger.MANUAL,
        "triggered_by": "local",
        "trigger_time": NOW,
        "created_at": NOW - timedelta(minutes=5),
        "capture_id": "c",
        "started_at": NOW - timedelta(minutes=5),
    }
    values.update(extra)
    return Execution(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(row_module, "cache", RowCache())


def test_finished_rows_are_reused_until_their_blocker_or_day_changes() -> None:
    failed = Row(execution("failed", completed_at=NOW - timedelta(minutes=4)))
    first = rows_html([failed], back="", now=NOW)[0]
    assert rows_html([failed], back="", now=NOW)[0] is first
    blocked = Row(failed.execution, twin=execution("running"))
    assert "disabled" in rows_html([blocked], back="", now=NOW)[0]
    assert "disabled" not in first
    next_day = rows_html([failed], back="", now=NOW + timedelta(days=1))[0]
    assert "yesterday 07:55" in next_day
    assert "07:55 today" in first
    elsewhere = rows_html([failed], back="status=failed", now=NOW)[0]
    assert "back=status%3Dfailed" in elsewhere


def test_a_finished_row_is_rendered_again_once_its_sla_standing_changes() -> None:
    done = execution("completed", completed_at=NOW - timedelta(minutes=4))
    on_track = rows_html([Row(done, sla=sla_standing("at_risk"))], back="", now=NOW)[0]
    breached = rows_html([Row(done, sla=sla_standing("breached"))], back="", now=NOW)[0]
    assert 'data-sla="at_risk"' in on_track
    assert 'data-sla="breached"' in breached


def test_rows_in_flight_are_rendered_every_time() -> None:
    running = Row(execution("running"))
    one = rows_html([running], back="", now=NOW)[0]
    two = rows_html([running], back="", now=NOW + timedelta(seconds=30))[0]
    assert one is not two
    assert "running 5m 0s" in one
    assert "running 5m 30s" in two
