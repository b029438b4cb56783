"""Who is acting: the identity an API request, a dashboard page or a CLI command carries,
recorded as `triggered_by` and as the actor of every event and audit entry it causes.

`current_caller` is the one dependency the API and the dashboard declare; the front door
(`runplane.access`) authenticates each request and leaves its caller in the request's
state. The actor is `user:<name>` for a Runplane user (by session, token or a trusted
proxy), `os:<login>` for the CLI on a local database, `local` with no users configured.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass

from starlette.requests import Request

from runplane import __version__
from runplane.model.access import Action, Role, refusal
from runplane.model.audit import Origin


@dataclass(frozen=True)
class Caller:
    actor: str
    """As recorded: `local`, `user:<name>`, `os:<login>`, or `anonymous` (not signed in)."""
    role: Role | None = Role.ADMIN
    """None for an anonymous caller, who may read only what is public."""
    user: str | None = None
    token: str | None = None
    """The name of the API token the request carried."""
    address: str | None = None
    user_agent: str | None = None
    csrf_token: str | None = None
    """The session's CSRF token (dashboard requests of a signed-in user)."""

    def may(self, action: Action) -> bool:
        return self.role is not None and self.role.may(action)

    def refusal(self, action: Action) -> str | None:
        """Why this caller may not do `action`, or None when it may."""
        if self.may(action):
            return None
        if self.role is None:
            return "sign in first"
        return f"{refusal(action)}; you are {self.role}"

    @property
    def origin(self) -> Origin:
        """Who and from where, as the audit trail records it."""
        return Origin(self.actor, self.address, self.user_agent, self.token)

    @property
    def signed_in(self) -> bool:
        return self.user is not None


LOCAL = Caller("local")
"""With no users configured, `serve` binds loopback only and every request acts as this."""
ANONYMOUS = Caller("anonymous", role=None)


async def current_caller(request: Request) -> Caller:
    """The caller the front door authenticated for this request (async: no thread)."""
    caller = request.scope.get("state", {}).get("caller")
    if not isinstance(caller, Caller):
        raise RuntimeError("the request has no caller: build the app with server.create_app")
    return caller


def os_caller() -> Caller:
    """The CLI acting on a database directly, as the operating-system login running it."""
    return Caller(
        f"os:{getpass.getuser()}",
        address=socket.gethostname()[:64],
        user_agent=f"runplane-cli/{__version__}",
    )
