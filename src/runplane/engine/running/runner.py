"""Runs one execution inside its own process: load it by id, call the pipeline, record the result.

The runner needs only the database and the execution id, so the same code serves the
local executor and a remote worker. Exit codes tell the executor what happened:
`EXIT_DONE` (the result is recorded), `EXIT_CANCELLED` (stopped on request); anything
else means the process died without recording a result.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from runplane.engine import lifecycle, service
from runplane.engine.classify import classify
from runplane.engine.running.logsink import LogSink, SinkHandler, SinkStream
from runplane.model import Execution, ExecutionStatus, LogLine, Trigger
from runplane.model.clock import utcnow
from runplane.pipelines import Cancelled, Output, Params, PipelineError, RunContext, registry
from runplane.pipelines.params import validate_params
from runplane.pipelines.rules import ErrorRule
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import executions as store
from runplane.store import logs as log_store

EXIT_DONE = 0
EXIT_CANCELLED = 3
EXIT_ORPHANED = 70

log = logging.getLogger("runplane.run")


def child_main(execution_id: str, lifeline: Connection, settings: Settings, db: Database) -> int:
    """Entry point of an execution's process (forked by the executor's fork server)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the executor decides what Ctrl-C means
    stop = threading.Event()
    threading.Thread(target=_watch_lifeline, args=(lifeline, stop), daemon=True).start()
    sink = LogSink(
        db, execution_id, interval=settings.log_flush_interval, max_lines=settings.log_flush_lines
    )
    sink.start()
    _capture_output(sink)
    code = run_execution(
        db, execution_id, sink=sink, stop=stop, lifeline=lifeline, settings=settings
    )
    sys.stdout.flush()
    sys.stderr.flush()
    sink.close()
    return code


def run_execution(
    db: Database,
    execution_id: str,
    *,
    sink: LogSink,
    stop: threading.Event,
    lifeline: Connection | None,
    settings: Settings,
) -> int:
    with db.read() as conn:
        execution = store.get_execution(conn, execution_id)
    log.info("Starting %s (attempt %d)", execution.pipeline, execution.attempt)
    rules: tuple[ErrorRule, ...] = ()
    try:
        pipeline = registry.get(execution.pipeline)
        rules = pipeline.error_rules
        params = validate_params(execution.pipeline, pipeline.params, execution.params)
        log.info("Parameters validated: %s", _describe(execution.params) or "(none)")
        if execution.dry_run:
            log.info("Dry run: validating only, nothing will be written")
        context = EngineRunContext(db, execution, params, stop, lifeline, settings, sink)
        output = pipeline.function(context) or Output()
    except Cancelled:
        log.warning("Stopped on request before finishing; nothing was published")
        return EXIT_CANCELLED
    except Exception as exc:
        error = classify(
            exc, pipeline=execution.pipeline, rules=rules, traceback=traceback.format_exc()
        )
        if isinstance(exc, PipelineError):  # an expected failure: its message says it all
            log.error("%s: %s", type(exc).__name__, exc)
        else:
            log.exception("%s: %s", type(exc).__name__, exc)
        log.info("Execution failed (%s), cleaning up", error.classification)
        return _finish(db, execution, ExecutionStatus.FAILED, sink, settings, error=error)
    status = ExecutionStatus.DRY_RUN if execution.dry_run else ExecutionStatus.COMPLETED
    return _finish(
        db,
        execution,
        status,
        sink,
        settings,
        output=output.to_dict(),
        rows_processed=output.rows_processed,
    )


def _finish(
    db: Database,
    execution: Execution,
    status: ExecutionStatus,
    sink: LogSink,
    settings: Settings,
    **result: Any,
) -> int:
    """Record the result with the log's last lines; if a cancel won the race, say so instead."""
    lines = sink.take(("INFO", f"Execution complete: {status.upper()}"))
    if lifecycle.finish_execution(
        db, execution, status, log_lines=lines, retry_scale=settings.retry_backoff_scale, **result
    ):
        return EXIT_DONE
    sink.put_back(lines[:-1])
    with db.read() as conn:
        current = store.get_execution(conn, execution.execution_id)
    if current.cancel_requested_at is not None:
        log.warning("A cancel was requested before the result was recorded; nothing was published")
        return EXIT_CANCELLED
    log.error("The execution was no longer running (%s); the result was discarded", current.status)
    return EXIT_DONE


def warm_up(db: Database) -> None:
    """Run the statements of a run against a made-up id and roll back, to fill the statement cache."""
    fake = Execution(
        execution_id="00000000-0000-0000-0000-000000000000",
        pipeline="runplane.noop",
        status=ExecutionStatus.RUNNING,
        params={},
        params_hash="",
        trigger=Trigger.API,
        triggered_by="warm-up",
        trigger_time=utcnow(),
        created_at=utcnow(),
        capture_id="cap_warm",
    )
    with db.engine.connect() as conn, conn.begin() as transaction:
        store.find_execution(conn, fake.execution_id)
        log_store.insert_log_lines(conn, [LogLine(fake.execution_id, 1, utcnow(), "INFO", "x")])
        lifecycle.record_finish(
            conn,
            fake,
            ExecutionStatus.COMPLETED,
            output={},
            rows_processed=0,
            error=None,
            log_lines=(),
            registry=registry,
            retry_scale=1.0,
            now=utcnow(),
        )
        transaction.rollback()


class EngineRunContext(RunContext[Params]):
    def __init__(
        self,
        db: Database,
        execution: Execution,
        params: Params,
        stop: threading.Event,
        lifeline: Connection | None,
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
        self._db = db
        self._execution = execution
        self._stop = stop
        self._lifeline = lifeline
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
        if self._lifeline is not None:
            self._lifeline.send((message,))


def _watch_lifeline(lifeline: Connection, stop: threading.Event) -> None:
    """Set the stop flag on a stop message; exit at once if the executor went away."""
    try:
        while True:
            message = lifeline.recv()
            if message[0] == "stop":
                stop.set()
    except (EOFError, OSError):
        os._exit(EXIT_ORPHANED)


def _capture_output(sink: LogSink) -> None:
    root = logging.getLogger()
    root.handlers[:] = [SinkHandler(sink)]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    sys.stdout = SinkStream(sink, "INFO")
    sys.stderr = SinkStream(sink, "ERROR")


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in params.items())
