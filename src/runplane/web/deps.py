"""What dashboard pages share, read from the application's state (set by `create_app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from runplane.engine.serving.runtime import ServingRuntime
from runplane.settings import Settings, Tier
from runplane.store import Database
from runplane.views.list_caches import CountCache, FinishedCache

CALLER = "local"
"""Who acts from the dashboard, for `triggered_by` and the trail, until access control exists."""


@dataclass(frozen=True)
class State:
    db: Database
    settings: Settings
    runtime: ServingRuntime | None
    counts: CountCache
    finished: FinishedCache

    @property
    def basic(self) -> bool:
        """The basic tier: no execution history, runs are synchronous."""
        return self.settings.tier is Tier.BASIC


def app_state(request: Request) -> State:
    s = request.app.state
    caches = s.list_caches
    return State(s.db, s.settings, s.runtime, caches.counts, caches.finished)


async def state(request: Request) -> State:
    """Async, so resolving it costs no trip through the thread pool."""
    return app_state(request)


StateDep = Annotated[State, Depends(state)]
