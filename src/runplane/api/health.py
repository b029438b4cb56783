"""Operational endpoints: `GET /health`, `GET /v1/capabilities`, `GET /metrics`.

None of them is tier-locked: monitoring and clients need them in every tier.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from runplane.api.blocking import call_broker, write
from runplane.api.deps import (
    CallerDep,
    ClockDep,
    DbDep,
    MetricsDep,
    RuntimeDep,
    SettingsDep,
    StorageDep,
)
from runplane.api.schemas.operations import Capabilities, HealthOut
from runplane.engine.serving.metrics import CONTENT_TYPE
from runplane.model.json import iso
from runplane.tiers import features
from runplane.views.health import HealthStatus, check_health

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    response_model=HealthOut,
    response_model_exclude_unset=True,
    responses={
        503: {
            "model": HealthOut,
            "description": "Down: the database does not answer, takes no writes, its file is "
            "gone or its disk is full (`checks` says which).",
        }
    },
)
async def get_health(
    db: DbDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    storage: StorageDep,
    clock: ClockDep,
    caller: CallerDep,
) -> Any:
    """Every check with its reason: database reachable and writable, its file, disk space,
    executor alive and taking work, heartbeat, scheduler; 503 when down. Also every live
    worker and (Celery executor) the broker's queue depths. Without credentials (once users
    exist) only the status and why."""
    probed = storage.fresh() or await write(storage.facts)  # a probe runs off the event loop
    serving = None if runtime is None else runtime.facts()
    shown = caller.role is not None  # an anonymous probe's answer never shows the broker
    report = await call_broker(
        db, settings, check_health, db, settings, serving, storage=probed, broker=shown,
        clock=clock,
    )  # fmt: skip
    body: dict[str, Any] = asdict(report)
    body["status"] = str(report.status)
    body["checked_at"] = iso(report.checked_at)
    if not shown:
        body = {key: body[key] for key in ("status", "message", "checked_at")}
    if report.status is HealthStatus.DOWN:
        return JSONResponse(body, status_code=503)
    return body


@router.get("/v1/capabilities", response_model=Capabilities)
async def get_capabilities(settings: SettingsDep) -> dict[str, Any]:
    """The deployment's tier and the features it includes."""
    return {"tier": str(settings.tier), "features": features(settings.tier)}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def get_metrics(db: DbDep, settings: SettingsDep, metrics: MetricsDep) -> Response:
    """Prometheus metrics: executions by pipeline and status, durations, queue depth, running,
    live workers with their busy slots, and (Celery executor) the broker's queue depths."""
    return Response(await call_broker(db, settings, metrics.render), media_type=CONTENT_TYPE)
