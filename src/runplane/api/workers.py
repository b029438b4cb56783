"""`/v1/workers`: every live worker and, with a Celery executor, the broker's queue depths;
what `runplane workers list` shows of a remote server. Any signed-in role may read it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from runplane.api.blocking import call_broker
from runplane.api.deps import ClockDep, DbDep, SettingsDep
from runplane.api.schemas.workers import WorkersOut
from runplane.views.workers import report_json, workers_report

router = APIRouter(prefix="/v1/workers", tags=["workers"])


@router.get("", response_model=WorkersOut)
async def list_workers(db: DbDep, settings: SettingsDep, clock: ClockDep) -> dict[str, Any]:
    """Every process running executions whose heartbeat is younger than the worker timeout:
    host, pid, queues, busy of concurrency, heartbeat age; and the broker's queue depths."""
    report = await call_broker(db, settings, workers_report, db, settings, clock=clock)
    return report_json(report)
