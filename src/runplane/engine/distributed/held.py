"""The executor inside a Celery worker: the local executor (its fork server, lifelines,
samples, stop signals and kills), claiming what its tasks hand it instead of what it finds
pending.

A task hands over an execution id and waits until it is released: the claim was refused
(another worker had it, or it is no longer pending), or it ran and ended, or it waits for
its children (it needs no slot then, as in the local executor). The task returns then and
its message is acknowledged, so a worker reserves one message per free slot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from runplane.engine.executors.local import LocalExecutor
from runplane.settings import Settings
from runplane.store import Database


@dataclass(eq=False)
class Offer:
    """One task's execution, from the hand-over to its release."""

    execution_id: str
    state: str = "offered"
    """offered, claiming, held, or released."""
    claimed: bool = False
    released: threading.Event = field(default_factory=threading.Event)


class HeldExecutor(LocalExecutor):
    """Runs only the executions `run_offered` hands it (an `Executor`, see `base.py`)."""

    def __init__(self, db: Database, settings: Settings, **options: Any) -> None:
        super().__init__(db, settings, **options)
        self._offers: list[Offer] = []
        self._offers_lock = threading.Lock()

    def run_offered(self, execution_id: str) -> bool:
        """Claim it and run it here; returns once it is released (see the module), True if
        this worker claimed it, False if the claim was refused."""
        offer = Offer(execution_id)
        with self._offers_lock:
            self._offers.append(offer)
        self.wake()
        offer.released.wait()
        return offer.claimed

    def stop(self, *, reason: str = "the worker shut down while it ran") -> None:
        super().stop(reason=reason)
        with self._offers_lock:
            for offer in self._offers:
                offer.released.set()
            self._offers.clear()

    def _candidates(self, free: int) -> list[str]:
        with self._offers_lock:
            waiting = [o for o in self._offers if o.state == "offered"][:free]
            for offer in waiting:
                offer.state = "claiming"
        return [o.execution_id for o in waiting]

    def _claimed(self, execution_id: str, won: bool) -> None:
        with self._offers_lock:
            offer = next(
                o for o in self._offers if o.execution_id == execution_id and o.state == "claiming"
            )
            offer.claimed = won
            if won:
                offer.state = "held"
            else:
                self._release(offer)

    def _tick(self) -> None:
        super()._tick()
        with self._lock:
            needs_slot = {i for i, c in self._children.items() if not c.waiting}
        needs_slot.update(self._unstarted)
        with self._offers_lock:
            for offer in [o for o in self._offers if o.state == "held"]:
                if offer.execution_id not in needs_slot:
                    self._release(offer)

    def _release(self, offer: Offer) -> None:
        offer.state = "released"
        self._offers.remove(offer)
        offer.released.set()
