"""Safety of dashboard responses: security headers and compression for `/dashboard` only,
the same-origin and CSRF checks of form posts, and local-only redirect targets.

Every form carries a CSRF token (`csrf`): the session's when signed in, else the value of
the browser's `runplane_csrf` cookie (the login form, the no-users mode). A post must
bring it and come from an allowed origin.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runplane.identity import Caller
from runplane.model.access import SESSION_FORMAT
from runplane.origins import Origins
from runplane.views.access import same_secret
from runplane.web.forms import read_form
from runplane.web.urls import PREFIX

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""No inline scripts or styles anywhere: behaviour comes from app.js through data-* attributes."""

HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class DashboardHeaders:
    """Adds the security headers to every `/dashboard` response and gzips those that are large.

    `Server-Timing: app;dur=<ms>` says how long the page took to build and compress.

    The API under `/v1` is left exactly as it was.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=512, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_dashboard(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                took = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={took:.2f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.gzip(scope, receive, send_with_headers)


def _is_dashboard(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class CrossSiteRequest(Exception):
    """A form post that did not come from a dashboard page of this server."""


SESSION_COOKIE = "runplane_session"
CSRF_COOKIE = "runplane_csrf"
"""The CSRF token of a browser without a session (the login form, the no-users mode)."""
CSRF_FIELD = "csrf"


def check_same_origin(request: Request) -> None:
    """Refuse form posts from other sites: the browser's `Origin` (or, failing that,
    `Referer`) must be an allowed origin of this server — its allowed hosts and public URL,
    never the request's own `Host`, which a DNS-rebinding page controls."""
    origins: Origins = request.app.state.origins
    origin = request.headers.get("origin")
    if origin is not None:
        if not origins.origin_allowed(origin):
            raise CrossSiteRequest(f"the form came from {origin[:100]}, not from this server")
        return
    referer = request.headers.get("referer")
    if referer is None:
        raise CrossSiteRequest("the form post carried neither an Origin nor a Referer header")
    parts = urlsplit(referer)
    if not origins.origin_allowed(f"{parts.scheme}://{parts.netloc}"):
        raise CrossSiteRequest(f"the form came from {parts.netloc[:100]}, not from this server")


def csrf_token(request: Request) -> str:
    """The CSRF token forms on this page carry: the session's, else the browser's CSRF
    cookie (a new one is made, and `render` sets it, when it has none)."""
    caller = request.scope.get("state", {}).get("caller")
    if isinstance(caller, Caller) and caller.csrf_token:
        return caller.csrf_token
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie and SESSION_FORMAT.fullmatch(cookie):
        return cookie
    state = request.scope.setdefault("state", {})
    if "new_csrf" not in state:
        state["new_csrf"] = secrets.token_urlsafe(32)
    token: str = state["new_csrf"]
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Give the browser the CSRF cookie `csrf_token` made for this page, if it made one."""
    token = request.scope.get("state", {}).get("new_csrf")
    if token:
        origins: Origins = request.app.state.origins
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", secure=origins.secure,
            path=PREFIX,
        )  # fmt: skip


async def checked_form(request: Request) -> dict[str, list[str]]:
    """The posted form, once its origin and CSRF token are checked (a route dependency)."""
    check_same_origin(request)
    values = await read_form(request)
    given = (values.get(CSRF_FIELD) or [""])[-1]
    caller = request.scope.get("state", {}).get("caller")
    expected = caller.csrf_token if isinstance(caller, Caller) else None
    if not expected:
        expected = request.cookies.get(CSRF_COOKIE)
    if not same_secret(expected, given):
        raise CrossSiteRequest(
            "the form's CSRF token is missing or out of date"
            if given
            else "the form carried no CSRF token"
        )
    return values


FormDep = Annotated[dict[str, list[str]], Depends(checked_form)]


def local_target(target: str | None, default: str) -> str:
    """A redirect or back-link target only if it is a dashboard path on this server."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not _is_dashboard(parts.path) or "\\" in target:
        return default
    return target
