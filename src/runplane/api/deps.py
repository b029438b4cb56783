"""Dependencies routes declare by type (`db: DbDep`), read from the application's state.

Also the caller (authenticated by the front door, `runplane.access`), the role each
write needs (`allow(Action.RUN)`: 403 problem+json, audited) and the tier gate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Path, Request

from runplane.api.blocking import read, write
from runplane.api.errors import ApiProblem
from runplane.api.responses import ItemJson
from runplane.engine.access.audit import record_refused
from runplane.engine.serving.metrics import EngineMetrics
from runplane.engine.serving.runtime import ServingRuntime
from runplane.engine.serving.storage_watch import StorageWatch
from runplane.identity import Caller, current_caller
from runplane.model.access import Action
from runplane.model.audit import AuditAction
from runplane.model.clock import Clock
from runplane.settings import Settings
from runplane.store import Database, NotFound
from runplane.store.executions import resolve_execution_id
from runplane.tiers import Feature, locked_reason
from runplane.views.list_caches import CountCache, FinishedCache
from runplane.views.list_query import ListingError


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_runtime(request: Request) -> ServingRuntime | None:
    runtime: ServingRuntime | None = request.app.state.runtime
    return runtime


@dataclass(frozen=True)
class ListCaches:
    """What the list endpoint reuses between requests in this process."""

    counts: CountCache = field(default_factory=CountCache)
    finished: FinishedCache = field(default_factory=FinishedCache)
    items: ItemJson = field(default_factory=ItemJson)


async def get_storage(request: Request) -> StorageWatch:
    storage: StorageWatch = request.app.state.storage
    return storage


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_caches(request: Request) -> ListCaches:
    caches: ListCaches = request.app.state.list_caches
    return caches


async def get_metrics(request: Request) -> EngineMetrics:
    metrics: EngineMetrics = request.app.state.metrics
    return metrics


DbDep = Annotated[Database, Depends(get_db)]


async def get_execution_id(
    execution_id: Annotated[
        str,
        Path(description="An execution id (UUID), or a prefix of 6+ characters only it has."),
    ],
    db: DbDep,
) -> str:
    """The whole id the path names (a unique prefix is accepted); one no execution can
    have (a NUL byte) is simply not found. An ambiguous prefix is a 404 naming candidates."""
    if "\x00" in execution_id:
        raise NotFound(f"no execution with id {execution_id!r}")
    if len(execution_id) == UUID_LENGTH:
        return execution_id  # the usual case: a whole id, looked up by the route itself
    return await read(db, resolve_execution_id, execution_id)


UUID_LENGTH = 36

SettingsDep = Annotated[Settings, Depends(get_settings)]
RuntimeDep = Annotated[ServingRuntime | None, Depends(get_runtime)]
CachesDep = Annotated[ListCaches, Depends(get_caches)]
ClockDep = Annotated[Clock, Depends(get_clock)]
MetricsDep = Annotated[EngineMetrics, Depends(get_metrics)]
StorageDep = Annotated[StorageWatch, Depends(get_storage)]
CallerDep = Annotated[Caller, Depends(current_caller)]
ExecutionIdDep = Annotated[str, Depends(get_execution_id)]


def require(feature: Feature) -> Callable[[Settings], Awaitable[None]]:
    """A router dependency answering 403 when this deployment's tier lacks `feature`."""

    async def check(settings: SettingsDep) -> None:
        refuse_locked(feature, settings)

    return check


def refuse_locked(feature: Feature, settings: Settings) -> None:
    """Raise the 403 problem of a tier-locked feature (for a parameter that asks for one)."""
    reason = locked_reason(feature, settings.tier)
    if reason is not None:
        title = f"Not available in the {settings.tier.title} tier"
        raise ApiProblem(403, "tier-locked", title, reason)


def allow(action: Action) -> Callable[..., Awaitable[None]]:
    """A route dependency answering 403 (and counting it in the audit trail) unless the
    caller's role may `action`."""

    async def check(request: Request, caller: CallerDep, db: DbDep, clock: ClockDep) -> None:
        reason = caller.refusal(action)
        if reason is None:
            return
        target = f"{request.method} {request.url.path}"[:300]
        await write(
            record_refused, db, caller.origin, AuditAction.REFUSED, target,
            clock=clock, status=403, reason=reason,
        )  # fmt: skip
        raise ApiProblem(403, "forbidden", "Not allowed for your role", reason)

    return check


def only_query(*names: str, prefix: str | None = None) -> Callable[[Request], Awaitable[None]]:
    """A route dependency refusing query parameters the route does not take (a typo
    such as `statuss=failed` would otherwise widen the list silently); names starting
    with `prefix` (`param.`) are the route's to check."""

    async def check(request: Request) -> None:
        given = {k for k in request.query_params if prefix is None or not k.startswith(prefix)}
        unknown = sorted(given - set(names))
        if unknown:
            taken = [*names, f"{prefix}NAME"] if prefix else names
            raise ListingError(
                unknown[0],
                f"unknown query parameter {unknown[0][:80]!r}; this endpoint takes "
                + ", ".join(taken),
            )

    return check
