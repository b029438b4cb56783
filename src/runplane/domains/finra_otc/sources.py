"""Where an ingest reads from: a file inside the data directory, or an http(s) URL.

A path must resolve inside `RUNPLANE_DATA_DIR`, also after `..` and symbolic links, or
the run fails with a `ConfigError` naming the parameter `source`. HTTP failures become
`TransientError` (5xx, 429, timeouts, refused connections) or `DataError` (other 4xx),
keeping the URL and status code.
"""

from __future__ import annotations

import http.client
import io
import logging
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from runplane import __version__
from runplane.domains.finra_otc.psv import Where
from runplane.pipelines import ConfigError, DataError, TransientError

DEFAULT_LAYOUT = "finra-otc/{tier}/{week_ending}.psv"
_RETRYABLE = frozenset({429, 500, 502, 503, 504})
_BODY_PREVIEW = 300


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
def open_lines(source: Source, *, timeout: float, log: logging.Logger) -> Iterator[Iterator[str]]:
    """The source's text lines, read as a stream."""
    if source.url is not None:
        with _open_url(source.url, timeout=timeout, log=log) as lines:
            yield lines
        return
    assert source.path is not None
    path, where = source.path, source.where
    try:
        handle = path.open(encoding="utf-8-sig", errors="replace", newline="")
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
def _open_url(url: str, *, timeout: float, log: logging.Logger) -> Iterator[Iterator[str]]:
    host = urlsplit(url).hostname or url
    log.info("Fetching %s (timeout %g s)", url, timeout)
    request = urllib.request.Request(url, headers={"User-Agent": f"runplane/{__version__}"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise _http_failure(url, host, exc.code, exc, log) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _network_failure(url, timeout, exc) from None
    with response:
        log.info("HTTP %d from %s", response.status, host)
        text = io.TextIOWrapper(response, encoding="utf-8-sig", errors="replace", newline="")
        yield _guarded(text, url, timeout)


def _guarded(lines: Iterator[str], url: str, timeout: float) -> Iterator[str]:
    """Turn a connection that breaks mid-file into a `TransientError`."""
    try:
        yield from lines
    except (OSError, http.client.HTTPException) as exc:
        raise _network_failure(url, timeout, exc) from None


def _http_failure(
    url: str, host: str, status: int, exc: urllib.error.HTTPError, log: logging.Logger
) -> Exception:
    log.error("HTTP %d from %s", status, host)
    try:
        body = exc.read(_BODY_PREVIEW).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        body = ""
    finally:
        exc.close()
    if body:
        log.error("Response body: %s", " ".join(body.split())[:_BODY_PREVIEW])
    message = f"HTTP {status} from {host}"
    if status in _RETRYABLE or status >= 500:
        return TransientError(message, url=url, status_code=status)
    return DataError(
        f"{message}: the week's file is not available at {url}", url=url, status_code=status
    )


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
