"""Outbound HTTP for pipelines, through one helper that enforces the fetch policy: only hosts
in `RUNPLANE_ALLOWED_SOURCE_HOSTS` (by default those the loaded data domains declare), no
redirect to another host, at most `RUNPLANE_FETCH_MAX_BYTES` and `RUNPLANE_FETCH_MAX_SECONDS`.

A host not allowed fails with a `ConfigError` before any connection is made. Errors and
log lines name the URL and status, never the response body: a non-2xx answer raises
`HttpStatusError`, whose `excerpt()` gives a caller a few escaped bytes to judge.

    with fetch(url, policy=ctx.fetch_policy, timeout=30, log=ctx.log) as body:
        for line in io.TextIOWrapper(body, encoding="utf-8"):
            ...
"""

from __future__ import annotations

import http.client
import io
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from runplane import __version__
from runplane.pipelines.errors import ConfigError, DataError, TransientError

EXCERPT_BYTES = 200


@dataclass(frozen=True)
class FetchPolicy:
    hosts: frozenset[str]
    """Lowercase `host` (any port) or `host:port` entries."""
    max_bytes: int = 1 << 30
    max_seconds: float = 900.0

    @classmethod
    def of(
        cls, hosts: Iterable[str], *, max_bytes: int = 1 << 30, max_seconds: float = 900.0
    ) -> FetchPolicy:
        return cls(frozenset(h.strip().lower() for h in hosts if h.strip()), max_bytes, max_seconds)

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme.lower() not in ("http", "https") or not host:
            return False
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        shown = f"[{host}]" if ":" in host else host
        return host in self.hosts or f"{shown}:{port}" in self.hosts

    def check(self, url: str, *, parameter: str = "source") -> None:
        """Raise `ConfigError` (naming `parameter`) unless `url` may be fetched."""
        if not self.allows(url):
            host = urlsplit(url).hostname or url
            allowed = ", ".join(sorted(self.hosts)) or "none"
            raise ConfigError(
                f"fetching from {host} is not allowed (allowed hosts: {allowed}); add it to "
                "RUNPLANE_ALLOWED_SOURCE_HOSTS if it is a source you trust",
                parameter=parameter,
            )


class HttpStatusError(Exception):
    """A non-2xx answer; the body stays unread except for `excerpt()`."""

    def __init__(self, url: str, status: int, response: urllib.error.HTTPError) -> None:
        super().__init__(f"HTTP {status} from {urlsplit(url).hostname or url}")
        self.url = url
        self.status = status
        self.content_type = response.headers.get("Content-Type", "")
        self._response = response

    def excerpt(self, limit: int = EXCERPT_BYTES) -> bytes:
        """At most `limit` bytes of the body (for a caller that recognises its shape)."""
        try:
            return self._response.read(limit)
        except (OSError, http.client.HTTPException):
            return b""
        finally:
            self._response.close()


class _SameHost(urllib.request.HTTPRedirectHandler):
    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:  # fmt: skip
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        same_host = (old.hostname or "").lower() == (new.hostname or "").lower()
        downgrade = old.scheme == "https" and new.scheme != "https"
        if not same_host or downgrade or not self.policy.allows(newurl):
            raise ConfigError(
                f"{req.full_url} redirects to {newurl[:200]}, another host (or from https to "
                "http); redirects are followed only within the same host",
                parameter="source",
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Bounded(io.RawIOBase):
    """A response body that stops at the policy's size and time limits."""

    def __init__(self, raw: IO[bytes], url: str, policy: FetchPolicy, started: float) -> None:
        super().__init__()
        self._raw, self._url, self._policy = raw, url, policy
        self._deadline = started + policy.max_seconds
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        self._read += len(data)
        if self._read > self._policy.max_bytes:
            raise DataError(
                f"{self._url} sent more than {self._policy.max_bytes:,} bytes "
                "(RUNPLANE_FETCH_MAX_BYTES)",
                url=self._url,
            )
        if time.monotonic() > self._deadline:
            raise TransientError(
                f"fetching {self._url} took longer than {self._policy.max_seconds:g} s "
                "(RUNPLANE_FETCH_MAX_SECONDS)",
                url=self._url,
            )
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def fetch(
    url: str,
    *,
    policy: FetchPolicy,
    timeout: float,
    log: logging.Logger,
    parameter: str = "source",
) -> Iterator[io.BufferedReader]:
    """The body of `url` as a binary stream within the policy's limits.

    Raises `ConfigError` for a host not allowed (nothing is opened) or a redirect away from
    it, `HttpStatusError` for a non-2xx answer, and lets network errors (`URLError`,
    `OSError`, `HTTPException`) through for the caller to classify.
    """
    policy.check(url, parameter=parameter)
    log.info("Fetching %s (timeout %g s)", url, timeout)
    opener = urllib.request.build_opener(_SameHost(policy))
    request = urllib.request.Request(url, headers={"User-Agent": f"runplane/{__version__}"})
    started = time.monotonic()
    try:
        response = opener.open(request, timeout=min(timeout, policy.max_seconds))
    except urllib.error.HTTPError as exc:
        log.error("HTTP %d from %s", exc.code, url)
        raise HttpStatusError(url, exc.code, exc) from None
    with response:
        log.info("HTTP %d from %s", response.status, urlsplit(url).hostname or url)
        yield io.BufferedReader(_Bounded(response, url, policy, started))
