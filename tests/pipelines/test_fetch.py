"""The outbound-fetch policy against real servers on 127.0.0.1 that record every
connection: a host not allowed fails as a config error before any connection is made, a
redirect to another host is refused, and the size cap holds."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from runplane.engine.running.context import fetch_policy
from runplane.pipelines import ConfigError, DataError
from runplane.pipelines.fetch import FetchPolicy, HttpStatusError, fetch
from tests.conftest import fast_settings

log = logging.getLogger("tests.fetch")


class Recording(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def get_request(self) -> tuple[socket.socket, Any]:
        self.connections += 1
        return super().get_request()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: Recording

    def do_GET(self) -> None:
        status, headers, body = self.server.routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def recording() -> Iterator[Recording]:
    server = Recording()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, policy: FetchPolicy) -> bytes:
    with fetch(url, policy=policy, timeout=5, log=log) as body:
        return body.read()


def test_a_host_not_allowed_fails_as_config_error_before_connecting() -> None:
    with recording() as server:
        server.routes["/w"] = (200, {}, b"data")
        with pytest.raises(
            ConfigError, match=r"fetching from 127\.0\.0\.1 is not allowed"
        ) as failure:
            _get(server.url("/w"), FetchPolicy.of(["cdn.finra.org"]))
        assert server.connections == 0
    assert failure.value.parameter == "source"


def test_an_allowed_host_is_fetched() -> None:
    with recording() as server:
        server.routes["/w"] = (200, {}, b"data")
        assert _get(server.url("/w"), FetchPolicy.of(["127.0.0.1"])) == b"data"
        port = server.server_address[1]
        assert _get(server.url("/w"), FetchPolicy.of([f"127.0.0.1:{port}"])) == b"data"
        with pytest.raises(ConfigError):
            _get(server.url("/w"), FetchPolicy.of([f"127.0.0.1:{port + 1}"]))


def test_a_redirect_to_another_host_is_refused_without_connecting_there() -> None:
    with recording() as origin, recording() as elsewhere:
        elsewhere.routes["/w"] = (200, {}, b"secret")
        origin.routes["/w"] = (302, {"Location": elsewhere.url("/w", host="localhost")}, b"")
        origin.routes["/same"] = (302, {"Location": "/w2"}, b"")
        origin.routes["/w2"] = (200, {}, b"same host")
        policy = FetchPolicy.of(["127.0.0.1", "localhost"])
        with pytest.raises(ConfigError, match=r"redirects to .*another host"):
            _get(origin.url("/w"), policy)
        assert elsewhere.connections == 0
        assert _get(origin.url("/same"), policy) == b"same host"


def test_a_body_past_the_size_cap_is_a_data_error() -> None:
    with recording() as server:
        server.routes["/big"] = (200, {}, b"x" * 5000)
        with pytest.raises(DataError, match="more than 1,000 bytes"):
            _get(server.url("/big"), FetchPolicy.of(["127.0.0.1"], max_bytes=1000))


def test_an_error_answer_keeps_its_body_unread_but_for_an_excerpt() -> None:
    with recording() as server:
        server.routes["/gone"] = (404, {"Content-Type": "text/html"}, b"<h1>" + b"x" * 1000)
        with pytest.raises(HttpStatusError) as failure:
            _get(server.url("/gone"), FetchPolicy.of(["127.0.0.1"]))
    assert str(failure.value) == "HTTP 404 from 127.0.0.1"
    assert len(failure.value.excerpt(50)) == 50


def test_the_default_hosts_are_the_loaded_domains_and_the_setting_replaces_them(
    tmp_path: Any,
) -> None:
    default = fetch_policy(fast_settings(tmp_path, "sqlite://"))
    assert "cdn.finra.org" in default.hosts
    assert "127.0.0.1" not in default.hosts
    chosen = fetch_policy(fast_settings(tmp_path, "sqlite://", allowed_source_hosts=["a.example"]))
    assert chosen.hosts == {"a.example"}
