"""What list pages reuse: a finished execution only once nothing shown of it can change."""

from __future__ import annotations

from datetime import UTC, datetime

from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.views.list_caches import FinishedCache
from tests.factories import sla_standing

AT = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def finished(**overrides: object) -> Execution:
    values: dict[str, object] = {
        "execution_id": "id-1", "pipeline": "tests.sla", "status": ExecutionStatus.COMPLETED,
        "params": {}, "params_hash": "", "trigger": Trigger.MANUAL, "triggered_by": "local",
        "trigger_time": AT, "created_at": AT, "capture_id": "cap", "started_at": AT,
        "completed_at": AT,
    }  # fmt: skip
    values.update(overrides)
    return Execution(**values)  # type: ignore[arg-type]


def test_a_finished_execution_is_kept_once_its_sla_standing_is_settled() -> None:
    cache = FinishedCache()
    cache.put(finished(sla=sla_standing("met", settled=False)))
    assert cache.get("id-1") is None
    settled = finished(sla=sla_standing("breached", settled=True))
    cache.put(settled)
    assert cache.get("id-1") is settled
