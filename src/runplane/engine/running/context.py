"""The run context the engine hands a pipeline: the framework's `RunContext` interface
(`pipelines/context.py`) over the database, the log sink and the executor link."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runplane.engine import service
from runplane.engine.running.link import ExecutorLink
from runplane.engine.running.logsink import LogSink
from runplane.model import Execution
from runplane.model.clock import utcnow
from runplane.pipelines import Cancelled, Params, RunContext, registry
from runplane.pipelines.fetch import FetchPolicy
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import executions as store


def fetch_policy(settings: Settings) -> FetchPolicy:
    """RUNPLANE_ALLOWED_SOURCE_HOSTS when set, else the hosts the loaded domains declare."""
    hosts = settings.allowed_source_hosts
    if hosts is None:
        hosts = [h for domain in registry.domains() for h in domain.source_hosts]
    return FetchPolicy.of(
        hosts, max_bytes=settings.fetch_max_bytes, max_seconds=settings.fetch_max_seconds
    )


class EngineRunContext(RunContext[Params]):
    """What a pipeline function is handed: its parameters, logger, cancellation check,
    progress, captures and child executions, backed by the database."""

    def __init__(
        self,
        db: Database,
        execution: Execution,
        params: Params,
        stop: threading.Event,
        link: ExecutorLink,
        settings: Settings,
        sink: LogSink,
    ) -> None:
        self.execution_id = execution.execution_id
        self.pipeline = execution.pipeline
        self.params = params
        self.capture_id = execution.capture_id
        self.dry_run = execution.dry_run
        self.log = logging.getLogger(f"runplane.pipeline.{execution.pipeline}")
        self.data_dir = Path(settings.data_dir)
        self.data = db
        self.fetch_policy = fetch_policy(settings)
        self._db = db
        self._execution = execution
        self._stop = stop
        self._link = link
        self._settings = settings
        self._sink = sink

    @property
    def cancel_requested(self) -> bool:
        return self._stop.is_set()

    def check_cancelled(self) -> None:
        if self._stop.is_set():
            raise Cancelled()

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self._sink.set_progress({"done": done, "total": total, "message": message})

    def open_capture(self, asset: str) -> str:
        if not self.dry_run:
            with self._db.write() as conn:
                capture_store.insert_capture(
                    conn,
                    capture_id=self.capture_id,
                    asset=asset,
                    execution_id=self.execution_id,
                    pipeline=self.pipeline,
                    at=utcnow(),
                )
        return self.capture_id

    def submit(self, pipeline: str, params: dict[str, Any], after: str | None = None) -> str:
        child = service.submit_execution(
            self._db,
            pipeline,
            params,
            trigger=self._execution.trigger,
            triggered_by=self._execution.triggered_by,
            dry_run=self.dry_run,
            parent_id=self.execution_id,
            after=after,
        )
        self._send("submitted")
        return child.execution_id

    def wait(self, execution_ids: Sequence[str]) -> dict[str, str]:
        self._send("waiting")
        try:
            while True:
                with self._db.read() as conn:
                    statuses = store.list_statuses(conn, execution_ids)
                if all(status.is_final for status in statuses.values()):
                    return {k: str(v) for k, v in statuses.items()}
                self.check_cancelled()
                time.sleep(self._settings.poll_interval * 2.5)
        finally:
            self._send("resumed")

    def _send(self, message: str) -> None:
        self._link.send(message)
