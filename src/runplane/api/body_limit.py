"""The request body limit (`RUNPLANE_MAX_BODY_BYTES`): a body larger than it is answered 413
before the application reads it, so a 100 MB post costs no more memory than a small one.

A declared `Content-Length` over the limit is refused at once; a chunked body is read up
to the limit and refused as soon as it passes it. API paths get problem+json; the
dashboard gets its own page (`page`, from `server.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runplane.api.errors import problem

RefusalPage = Callable[[Request, str], Response]


class BodyLimit:
    """ASGI middleware answering 413 to request bodies over `limit` bytes."""

    def __init__(
        self, app: ASGIApp, *, limit: int, page: RefusalPage | None = None, page_prefix: str = ""
    ) -> None:
        self.app = app
        self.limit = limit
        self.page = page
        self.page_prefix = page_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = _length(headers.get("content-length"))
        if length is not None and length > self.limit:
            await self._refuse(scope, receive, send, f"is {length:,} bytes, more than the")
            return
        if length is not None or "chunked" not in headers.get("transfer-encoding", "").lower():
            await self.app(scope, receive, send)  # the server stops at Content-Length itself
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away mid-body
            body += message.get("body", b"")
            if len(body) > self.limit:
                await self._refuse(scope, receive, send, "is longer than the")
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, what: str) -> None:
        detail = (
            f"the request body {what} {self.limit:,} bytes this server reads "
            "(RUNPLANE_MAX_BODY_BYTES); send less"
        )
        request = Request(scope, receive)
        if (
            self.page is not None
            and self.page_prefix
            and scope["path"].startswith(self.page_prefix)
        ):
            response = self.page(request, detail)
        else:
            response = problem(413, "body-too-large", "Request body too large", detail)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the buffered body once, then whatever the client sends next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
