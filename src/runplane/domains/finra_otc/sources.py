"""Where an ingest reads from: a file inside the data directory, or an http(s) URL.

A path must resolve inside `RUNPLANE_DATA_DIR`, also after `..` and symbolic links, or
the run fails with a `ConfigError` naming the parameter `source`. A URL is fetched through
the core's fetch policy (`pipelines.fetch`: allowed hosts, no redirect elsewhere, size and
time limits). HTTP failures become `TransientError` (5xx, 429, timeouts, refused
connections) or `DataError` (other 4xx), keeping the URL and status code; the log repeats
no response body, only a short escaped excerpt of a FINRA-shaped JSON error.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import socket
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit

from runplane.domains.finra_otc.psv import Where
from runplane.pipelines import ConfigError, DataError, TransientError
from runplane.pipelines.fetch import FetchPolicy, HttpStatusError, fetch

DEFAULT_LAYOUT = "finra-otc/{tier}/{week_ending}.psv"
_RETRYABLE = frozenset({429, 500, 502, 503, 504})
_EXCERPT_BYTES = 200
_EXCERPT_CHARS = 120


def default_path(tier: str, week: date) -> PurePosixPath:
    """Where a week's file lives inside the data directory, e.g. `finra-otc/OTC/2025-12-22.psv`."""
    return PurePosixPath(DEFAULT_LAYOUT.format(tier=tier, week_ending=week.isoformat()))


@dataclass(frozen=True)
class Source:
    where: Where
    path: Path | None = None
    url: str | None = None


def resolve_source(source: str | None, *, tier: str, week: date, data_dir: Path) -> Source:
    """Check the `source` parameter and say where the data will come from (nothing is opened)."""
    if source is not None and urlsplit(source).scheme.lower() in ("http", "https"):
        if not urlsplit(source).hostname:
            raise ConfigError(f"source {source!r} is a URL without a host", parameter="source")
        return Source(Where(source, url=source), url=source)
    if source is not None and "://" in source:
        raise ConfigError(
            f"source {source!r} is neither a path inside the data directory nor an http(s) URL",
            parameter="source",
        )
    root = data_dir.resolve()
    given = Path(source).expanduser() if source else Path(default_path(tier, week))
    candidate = given if given.is_absolute() else root / given
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        lexical = Path(os.path.normpath(candidate))
        how = "links to" if lexical.is_relative_to(root) else "resolves to"
        raise ConfigError(
            f"source {source or str(given)!r} {how} {resolved}, outside the data directory "
            f"{root}; copy the file into the data directory (RUNPLANE_DATA_DIR) and pass its "
            "path there",
            parameter="source",
        )
    name = resolved.relative_to(root).as_posix()
    return Source(Where(name, file=str(resolved)), path=resolved)


@contextmanager
def open_lines(
    source: Source, *, policy: FetchPolicy, timeout: float, log: logging.Logger
) -> Iterator[Iterator[str]]:
    """The source's text lines, read as a stream; a URL through the fetch `policy`."""
    with open_bytes(source, policy=policy, timeout=timeout, log=log) as raw:
        yield io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


@contextmanager
def open_bytes(
    source: Source, *, policy: FetchPolicy, timeout: float, log: logging.Logger
) -> Iterator[IO[bytes]]:
    """The source's bytes, read as a stream; a URL through the fetch `policy`. A connection
    that breaks mid-file raises `TransientError` from `read`."""
    if source.url is not None:
        with _open_url(source.url, policy=policy, timeout=timeout, log=log) as body:
            yield body
        return
    assert source.path is not None
    path, where = source.path, source.where
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise DataError(
            f"no file at {path}: put FINRA's file for this week there "
            f"(layout {DEFAULT_LAYOUT} inside RUNPLANE_DATA_DIR) or pass source=<path or URL>",
            file=str(path),
        ) from None
    except IsADirectoryError:
        raise where.error(f"{path} is a directory, not a file; pass the .psv file") from None
    except PermissionError:
        raise where.error(f"{path} is not readable by the worker; fix its permissions") from None
    with handle:
        log.info("Reading %s (%s bytes)", where.name, f"{path.stat().st_size:,}")
        yield handle


@contextmanager
def _open_url(
    url: str, *, policy: FetchPolicy, timeout: float, log: logging.Logger
) -> Iterator[IO[bytes]]:
    host = urlsplit(url).hostname or url
    try:
        with fetch(url, policy=policy, timeout=timeout, log=log) as body:
            yield io.BufferedReader(_Guarded(body, url, timeout))
    except HttpStatusError as exc:
        raise _http_failure(url, host, exc, log) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _network_failure(url, timeout, exc) from None


class _Guarded(io.RawIOBase):
    """A body whose connection breaking mid-file raises `TransientError`."""

    def __init__(self, body: IO[bytes], url: str, timeout: float) -> None:
        super().__init__()
        self._body, self._url, self._timeout = body, url, timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._body.read(len(buffer))
        except (OSError, http.client.HTTPException) as exc:
            raise _network_failure(self._url, self._timeout, exc) from None
        buffer[: len(data)] = data
        return len(data)


def _http_failure(url: str, host: str, exc: HttpStatusError, log: logging.Logger) -> Exception:
    status = exc.status
    said = finra_error_text(exc.content_type, exc.excerpt(_EXCERPT_BYTES))
    if said:
        log.error("FINRA says: %s", said)
    message = f"HTTP {status} from {host}"
    if status in _RETRYABLE or status >= 500:
        return TransientError(message, url=url, status_code=status)
    return DataError(
        f"{message}: the week's file is not available at {url}", url=url, status_code=status
    )


def finra_error_text(content_type: str, body: bytes) -> str | None:
    """The message of a FINRA-shaped error (its API's JSON `{"message": ...}` or `{"error":
    ...}`), shortened and escaped; None for any other body, which is never repeated."""
    if "json" not in content_type.lower():
        return None
    try:
        found = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(found, dict):
        return None
    text: object = next((found[k] for k in ("message", "error", "detail") if k in found), None)
    if not isinstance(text, str) or not text:
        return None
    escaped = text.encode("unicode_escape").decode("ascii").replace("<", "\\x3c")
    return escaped[:_EXCERPT_CHARS]


def _network_failure(url: str, timeout: float, exc: BaseException) -> TransientError:
    parts = urlsplit(url)
    host = parts.hostname or url
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        message = f"no answer from {host} within {timeout:g} s"
    elif isinstance(reason, ConnectionRefusedError):
        message = f"connection refused by {parts.netloc}"
    elif isinstance(reason, socket.gaierror):
        message = f"could not resolve the host {host}"
    elif isinstance(reason, http.client.IncompleteRead | http.client.RemoteDisconnected):
        message = f"{host} closed the connection before the file was complete"
    else:
        message = f"could not read from {host}: {reason}"
    return TransientError(message, url=url)
