"""Helpers for the FINRA OTC tests: run a pipeline to its end, and figures computed from
the files with the standard library, independently of the code under test."""

from __future__ import annotations

import csv
import socket
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import column, func, select
from sqlalchemy import table as table_clause

from runplane.engine.service import submit_execution
from runplane.model import Execution, Trigger
from runplane.store import Database
from tests.conftest import wait_for_final

INGEST = "finra.otc_transparency.ingest_week"
NORMALIZE = "finra.otc_transparency.normalize_week"
AGGREGATE = "finra.otc_transparency.aggregate_week"
ROLLING = "finra.otc_transparency.compute_rolling"
BACKFILL = "finra.otc_transparency.backfill_range"


def run(
    db: Database, pipeline: str, *, dry_run: bool = False, timeout: float = 60, **params: Any
) -> Execution:
    """Submit through the engine and wait until the executor finished it."""
    execution = submit_execution(
        db, pipeline, params, trigger=Trigger.API, triggered_by="test", dry_run=dry_run
    )
    return wait_for_final(db, execution.execution_id, timeout=timeout)


def run_chain(db: Database, week: str, tier: str = "OTC") -> list[Execution]:
    """Ingest, normalize and aggregate one week, one after the other."""
    runs = []
    for pipeline in (INGEST, NORMALIZE, AGGREGATE):
        runs.append(run(db, pipeline, week_ending=week, tier=tier))
        assert runs[-1].status == "completed", runs[-1].error
    return runs


def count(db: Database, table: str, capture_id: str | None = None) -> int:
    """Rows in one of the domain's tables, optionally of one capture."""
    t = table_clause(table, column("capture_id"))
    query = select(func.count()).select_from(t)
    if capture_id is not None:
        query = query.where(t.c.capture_id == capture_id)
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


@dataclass
class FileFigures:
    """What a FINRA file holds, read with `csv` and plain arithmetic."""

    rows: int = 0
    bad_lines: list[int] = field(default_factory=list)
    shares: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    venues: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    @property
    def symbols(self) -> set[str]:
        return set(self.shares)

    def hhi(self, symbol: str) -> float:
        total = self.shares[symbol]
        return sum((v / total) ** 2 for v in self.venues[symbol].values())

    def ranked(self) -> list[str]:
        return sorted(self.shares, key=lambda s: (-self.shares[s], s))


def read_figures(path: Path) -> FileFigures:
    figures = FileFigures()
    with path.open(newline="") as handle:
        reader = csv.reader(handle, delimiter="|")
        next(reader)
        for line, row in enumerate(reader, start=2):
            figures.rows += 1
            if not row[1].strip():
                figures.bad_lines.append(line)
                continue
            figures.shares[row[1]] += int(row[5])
            figures.venues[row[1]][row[4]] = int(row[5])
    return figures


class _Handler(BaseHTTPRequestHandler):
    server: StubServer

    def do_GET(self) -> None:
        answers = self.server.sequences.get(self.path)
        if answers:  # answer in order, repeating the last answer
            status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        else:
            status, body = self.server.routes.get(self.path, (404, b"no such file"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StubServer(ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1 answering each path with a fixed status and body."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.sequences: dict[str, list[tuple[int, bytes]]] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@contextmanager
def stub_server() -> Iterator[StubServer]:
    server = StubServer()
    # shutdown() waits for the serving loop's next poll: 0.5 s by default, per test
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def refused_port() -> int:
    """A port nothing listens on: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
