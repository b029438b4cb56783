"""Refusals from engine operations; each message says what was wrong and what to do instead."""

from __future__ import annotations


class Refused(Exception):
    """A request that conflicts with the execution's state (the API answers 409)."""


class RetryRefused(Refused):
    def __init__(self, message: str, *, active_id: str | None = None) -> None:
        super().__init__(message)
        self.active_id = active_id


class CancelRefused(Refused):
    pass
