"""The front door, an ASGI middleware around the whole application. For every request:

1. `Host` must name this server (`RUNPLANE_ALLOWED_HOSTS`), else 400 before routing.
2. A write under `/v1` must not come from another site — a foreign `Origin`, or
   `Sec-Fetch-Site: cross-site` when there is none, is 403 even with no users configured and
   no body — and a body it carries must be `application/json` (415).
3. The caller: a bearer token (never a cookie) under `/v1`; the session cookie on the
   dashboard; either on `/metrics`, `/docs` and `/openapi.json`; a trusted proxy's user
   header anywhere; the local admin while no users exist. Anything else is anonymous, which
   reaches only the public addresses: others answer 401 (the dashboard: the login page).

Refusals (401, 403) are appended to the audit trail, one entry per address and minute.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from runplane.access.credentials import Credentials
from runplane.access.peers import Peer, parse_networks, peer_of
from runplane.api.blocking import read
from runplane.api.errors import problem
from runplane.engine.access.audit import record_refused
from runplane.identity import ANONYMOUS, LOCAL, Caller
from runplane.model.access import Grant
from runplane.model.audit import AuditAction
from runplane.model.clock import Clock
from runplane.model.json import iso
from runplane.origins import Origins
from runplane.settings import Settings
from runplane.store import Database, StorageUnavailable
from runplane.views.access import find_user, well_formed_token
from runplane.web.errors import error_page
from runplane.web.security import SESSION_COOKIE
from runplane.web.urls import PREFIX, login_url

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = frozenset({"/", "/health", "/v1/capabilities", f"{PREFIX}/login"})
PUBLIC_PREFIXES = (f"{PREFIX}/static/",)
JSON_TYPES = ("application/json",)


class Refusal(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail


def install(app: FastAPI, settings: Settings, *, bind: str | None, clock: Clock) -> None:
    """Put the front door around `app` (outermost, so it runs before anything else).

    Raises `origins.HostsRequired` for a wildcard `bind` without `RUNPLANE_ALLOWED_HOSTS`.
    """
    origins = Origins.of(settings, bind)
    credentials = Credentials(app.state.db, settings.auth_cache_seconds, clock=clock)
    app.state.origins = origins
    app.state.credentials = credentials
    app.add_middleware(Gate, settings=settings, origins=origins, credentials=credentials)


class Gate:
    def __init__(
        self, app: ASGIApp, *, settings: Settings, origins: Origins, credentials: Credentials
    ) -> None:
        self.app = app
        self.settings = settings
        self.origins = origins
        self.credentials = credentials
        self.proxies = parse_networks(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        peer = peer_of(scope, headers, self.proxies)
        if not self.origins.host_allowed(peer.host):
            host = (peer.host or "")[:100]
            detail = (
                f"this server does not answer to the host {host!r}; use one of its names "
                "(RUNPLANE_ALLOWED_HOSTS)"
            )
            await problem(400, "bad-host", "Unknown host", detail)(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        state = scope.setdefault("state", {})
        state["peer"] = peer
        anonymous = Caller(ANONYMOUS.actor, None, address=peer.address, user_agent=peer.user_agent)
        try:
            if method not in SAFE_METHODS and path.startswith("/v1/"):
                _check_api_write(headers, self.origins)
            caller = await self._authenticate(path, headers, peer)
        except (SQLAlchemyError, StorageUnavailable) as exc:
            state["caller"] = caller = anonymous  # who may pass is unknown: public pages only
            if not _public(path):
                await _unavailable(scope, receive, send, exc)
                return
        except Refusal as exc:
            await self._refuse(scope, receive, send, anonymous, exc)
            return
        state["caller"] = caller
        if caller.role is None and not _public(path):
            if _dashboard(path):
                if method not in SAFE_METHODS:
                    await self._audit(scope, anonymous, 401, "not signed in")
                target = scope["path"] + (
                    "?" + scope["query_string"].decode() if scope.get("query_string") else ""
                )
                redirect = RedirectResponse(login_url(target), status_code=303)
                await redirect(scope, receive, send)
                return
            refusal = Refusal(
                401,
                "unauthenticated",
                "Authentication required",
                "send an API token as `Authorization: Bearer <token>` (create one with "
                "`runplane tokens create NAME --user USER`)",
            )
            await self._refuse(scope, receive, send, anonymous, refusal)
            return
        await self.app(scope, receive, send)

    async def _authenticate(self, path: str, headers: Headers, peer: Peer) -> Caller:
        dashboard = _dashboard(path)
        if not dashboard:
            authorization = headers.get("authorization")
            if authorization is not None:
                return await self._bearer(authorization, peer)
        if not path.startswith("/v1/") and path != "/v1":  # cookies never authenticate /v1
            caller = await self._session(headers, peer)
            if caller is not None:
                return caller
        header = self.settings.trusted_user_header
        if header and peer.via_proxy and headers.get(header):
            return await self._proxied(headers[header].strip(), peer)
        if not await self.credentials.users_exist():
            return Caller(LOCAL.actor, address=peer.address, user_agent=peer.user_agent)
        return Caller(ANONYMOUS.actor, None, address=peer.address, user_agent=peer.user_agent)

    async def _bearer(self, authorization: str, peer: Peer) -> Caller:
        scheme, _, secret = authorization.strip().partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not well_formed_token(secret):
            raise Refusal(
                401,
                "bad-token",
                "Malformed credentials",
                "the Authorization header must be `Bearer rp_...` with a Runplane API token",
            )
        grant = await self.credentials.token(secret)
        if grant is None:
            raise Refusal(
                401, "bad-token", "Unknown token",
                "this API token is unknown or was revoked; create a new one with "
                "`runplane tokens create NAME --user USER`",
            )  # fmt: skip
        self._check_expiry(grant)
        return _caller(grant, peer)

    async def _session(self, headers: Headers, peer: Peer) -> Caller | None:
        secret = _cookie(headers, SESSION_COOKIE)
        if not secret:
            return None
        grant = await self.credentials.session(secret)
        if grant is None or _expired(grant, self._now()):
            return None
        return _caller(grant, peer)

    async def _proxied(self, name: str, peer: Peer) -> Caller:
        user = await read(self.credentials.db, find_user, name)
        if user is None:
            raise Refusal(
                403, "unknown-user", "Not a Runplane user",
                f"the proxy signed in {name[:64]!r}, who is not a Runplane user; an admin adds "
                "them with `runplane users add NAME --role ROLE`",
            )  # fmt: skip
        grant = Grant(user=user.name, role=user.role, expires_at=None)
        return _caller(grant, peer)

    def _check_expiry(self, grant: Grant) -> None:
        if _expired(grant, self._now()):
            raise Refusal(
                401, "token-expired", "Token expired",
                f"the API token {grant.token} expired at {iso(grant.expires_at)}; create a new "
                "one with `runplane tokens create NAME --user USER`",
            )  # fmt: skip

    def _now(self) -> datetime:
        return self.credentials.clock()

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, caller: Caller, refusal: Refusal
    ) -> None:
        await self._audit(scope, caller, refusal.status, refusal.detail)
        response: Response = problem(refusal.status, refusal.kind, refusal.title, refusal.detail)
        if refusal.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="runplane"'
        await response(scope, receive, send)

    async def _audit(self, scope: Scope, caller: Caller, status: int, reason: str) -> None:
        await audit_refusal(self.credentials.db, caller, scope, status, reason, self._now)


async def audit_refusal(
    db: Database,
    caller: Caller,
    scope: Scope,
    status: int,
    reason: str,
    clock: Callable[[], datetime],
) -> None:
    """Count a refused request in the trail (off the event loop: it writes)."""
    target = f"{scope['method']} {scope['path']}"[:300]
    await run_in_threadpool(
        record_refused, db, caller.origin, AuditAction.REFUSED, target,
        clock=clock, status=status, reason=reason[:300],
    )  # fmt: skip


async def _unavailable(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """The database does not answer, so the caller cannot be checked: the dashboard's
    banner page, or 503 problem+json."""
    if _dashboard(scope["path"]):
        response = error_page(Request(scope, receive), exc)
    else:
        response = problem(
            503, "unavailable", "Database unreachable",
            "the database does not answer, so credentials cannot be checked; try again once "
            "it is back (GET /health says when)",
        )  # fmt: skip
    await response(scope, receive, send)


def _check_api_write(headers: Headers, origins: Origins) -> None:
    origin = headers.get("origin")
    if origin is not None and not origins.origin_allowed(origin):
        raise Refusal(
            403, "cross-site", "Cross-site request refused",
            f"a request from {origin[:100]!r} may not change anything here; the API takes "
            "writes from its own dashboard and from clients that send no Origin",
        )  # fmt: skip
    if origin is None and headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise Refusal(
            403, "cross-site", "Cross-site request refused",
            "a request another site made the browser send may not change anything here",
        )  # fmt: skip
    content_type = headers.get("content-type")
    has_body = headers.get("content-length", "0") not in ("", "0") or (
        "transfer-encoding" in headers
    )
    if content_type is None and not has_body:
        return
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in JSON_TYPES and not media.endswith("+json"):
        raise Refusal(
            415, "unsupported-media-type", "Unsupported media type",
            f"the API reads JSON bodies only (Content-Type: application/json), not "
            f"{(content_type or 'a body without a Content-Type')[:100]}",
        )  # fmt: skip


def _caller(grant: Grant, peer: Peer) -> Caller:
    return Caller(
        f"user:{grant.user}",
        grant.role,
        user=grant.user,
        token=grant.token,
        address=peer.address,
        user_agent=peer.user_agent,
        csrf_token=grant.csrf_token,
    )


def _expired(grant: Grant, now: datetime) -> bool:
    return grant.expires_at is not None and grant.expires_at <= now


def _dashboard(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip().strip('"') or None
    return None
