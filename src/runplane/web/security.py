"""Safety of dashboard responses: security headers and compression for `/dashboard` only,
the same-origin check on form posts, and local-only redirect targets.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from fastapi import Request
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def check_same_origin(request: Request) -> None:
    """Refuse form posts from other sites (CSRF) until access control brings tokens.

    There is no login yet, so a cookie-less same-origin check is the whole defence: the
    browser's `Origin` header (or, failing that, `Referer`) must name this server.
    """
    expected = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        if origin.rstrip("/") != expected:
            raise CrossSiteRequest(f"the form came from {origin}, not from {expected}")
        return
    referer = request.headers.get("referer")
    if referer is None:
        raise CrossSiteRequest("the form post carried neither an Origin nor a Referer header")
    parts = urlsplit(referer)
    if f"{parts.scheme}://{parts.netloc}" != expected:
        raise CrossSiteRequest(f"the form came from {parts.netloc}, not from {expected}")


def local_target(target: str | None, default: str) -> str:
    """A redirect or back-link target only if it is a dashboard path on this server."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not _is_dashboard(parts.path) or "\\" in target:
        return default
    return target
