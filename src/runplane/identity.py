"""Who is acting: the identity an API request, a dashboard page or a CLI command carries,
recorded as `triggered_by` and as the actor of every event it causes.

Until access control exists every request acts as `local`; `current_caller` is the one
dependency the API and the dashboard both declare, so authentication replaces it alone.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True)
class Caller:
    actor: str
    """As recorded: `local`, `user:<name>`, ..."""


LOCAL = Caller("local")


async def current_caller(request: Request) -> Caller:
    """The caller of this request (async: resolving it costs no thread)."""
    return LOCAL


def os_caller() -> Caller:
    """The CLI acting on a database directly, as the operating-system login running it."""
    return Caller(f"user:{getpass.getuser()}")
