"""Huge request bodies over real HTTP: 10 MB and 100 MB answered 413 without the server
reading them (its memory stays where it was), a dashboard form past its limit refused
with a page instead of being run with defaults, and the server answers on at once."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from runplane.store import executions as store
from tests.faults.conftest import Serve, assert_settled, submit, wait_final

pytestmark = pytest.mark.slow

MB = 1_000_000


class Peak:
    """The largest resident size of `serve` seen while it runs."""

    def __init__(self, serve: Serve) -> None:
        self.serve = serve
        self.value = serve.rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            self.value = max(self.value, self.serve.rss())


def chunks(total: int) -> Iterator[bytes]:
    block = b" " * MB
    for _ in range(total // MB):
        yield block


def test_bodies_of_10_and_100_mb_are_refused_without_being_read(serve: Serve) -> None:
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    before = serve.rss()
    with serve.client() as client, Peak(serve) as peak:
        for size in (10 * MB, 100 * MB):
            declared = client.post(
                "/v1/pipelines/runplane.noop/run",
                content=b"{" + b" " * size + b"}",
                headers={"content-type": "application/json"},
            )
            assert declared.status_code == 413
            assert declared.json()["type"] == "urn:runplane:problem:body-too-large"
            streamed = client.post(
                "/v1/pipelines/runplane.noop/run",
                content=chunks(size),
                headers={"content-type": "application/json"},
            )
            assert streamed.status_code == 413
        assert client.get("/health").status_code == 200
    growth = (peak.value - before) / MB
    print(f"10 MB and 100 MB bodies: serve grew {growth:.1f} MB at most")
    assert growth < 30
    with db.read() as conn:
        assert store.list_executions(conn) == []
    db.dispose()


def test_a_huge_body_on_a_raw_socket_gets_its_answer_not_a_reset(serve: Serve) -> None:
    serve.start()
    with socket.create_connection(("127.0.0.1", serve.port), timeout=30) as sock:
        head = (
            f"POST /v1/pipelines/runplane.noop/run HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {100 * MB}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"{" + b" " * 64_000)
        answer = sock.recv(65536).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413")
    assert "application/problem+json" in answer


def test_a_dashboard_form_past_its_limit_is_refused_and_not_run(serve: Serve) -> None:
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        form = {"p.seconds": "0.2", "p.lines_per_second": "0", "padding": "x" * 70_000}
        response = client.post(
            "/dashboard/pipelines/runplane.sleep/run", data=form, headers={"Origin": serve.url}
        )
        assert response.status_code == 413
        assert "The form is larger than the 64 KB the dashboard reads" in response.text
        with db.read() as conn:
            assert store.list_executions(conn) == []
        started = time.monotonic()
        ran = submit(client, "runplane.sleep", seconds=0.2)
        final = wait_final(db, ran)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.params["seconds"] == 0.2
    assert time.monotonic() - started < 30
    assert_settled(db, [ran])
    db.dispose()
