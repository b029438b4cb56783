"""What dashboard pages share, read from the application's state (set by `create_app`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from runplane.engine.executors.base import Executor
from runplane.engine.serving.facts import ServingFacts
from runplane.engine.serving.runtime import ServingRuntime
from runplane.engine.serving.storage_watch import StorageWatch
from runplane.identity import Caller, current_caller
from runplane.model.access import Action
from runplane.model.clock import Clock
from runplane.settings import Settings
from runplane.store import Database
from runplane.tiers import Feature, locked_reason
from runplane.views.list_caches import CountCache, FinishedCache

if TYPE_CHECKING:
    from runplane.web.parts import MountedParts


@dataclass(frozen=True)
class State:
    db: Database
    settings: Settings
    runtime: ServingRuntime | None
    clock: Clock
    counts: CountCache
    finished: FinishedCache
    parts: MountedParts
    """What the data domains add to the dashboard: navigation, cards, output links."""
    storage: StorageWatch

    @property
    def executor(self) -> Executor | None:
        """The executor this server runs, if any (the test app runs none)."""
        return None if self.runtime is None else self.runtime.executor

    def serving(self) -> ServingFacts | None:
        """What the loops of this server say of themselves (None when it runs none)."""
        return None if self.runtime is None else self.runtime.facts()


def app_state(request: Request) -> State:
    s = request.app.state
    caches = s.list_caches
    return State(
        s.db,
        s.settings,
        s.runtime,
        s.clock,
        caches.counts,
        caches.finished,
        s.dashboard_parts,
        s.storage,
    )


async def state(request: Request) -> State:
    """Async, so resolving it costs no trip through the thread pool."""
    return app_state(request)


StateDep = Annotated[State, Depends(state)]
CallerDep = Annotated[Caller, Depends(current_caller)]


class FeatureLocked(Exception):
    """A page or action of a feature this deployment's tier does not include."""

    def __init__(self, feature: Feature, reason: str) -> None:
        super().__init__(reason)
        self.feature = feature
        self.reason = reason


class NotAllowed(Exception):
    """An action the caller's role may not take (the page says which role it needs)."""

    def __init__(self, action: Action, reason: str) -> None:
        super().__init__(reason)
        self.action = action
        self.reason = reason


def allowed(action: Action) -> Callable[[Caller], Awaitable[None]]:
    """A route dependency: refused (403 page, audited) unless the caller's role may `action`."""

    async def check(caller: CallerDep) -> None:
        reason = caller.refusal(action)
        if reason is not None:
            raise NotAllowed(action, reason)

    return check


def denied(caller: Caller) -> dict[str, str | None]:
    """Why each action is unavailable to `caller` (None: it may), for disabled buttons."""
    return {str(action): caller.refusal(action) for action in Action}


def requires(feature: Feature) -> Callable[[Request], Awaitable[None]]:
    """A router dependency: its pages render the locked card when the tier lacks `feature`."""

    async def check(request: Request) -> None:
        settings: Settings = request.app.state.settings
        reason = locked_reason(feature, settings.tier)
        if reason is not None:
            raise FeatureLocked(feature, reason)

    return check
