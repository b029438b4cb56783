"""Runs one execution inside its own process: load it by id, call the pipeline, record the result.

The runner needs only the database, the execution id and a link to its executor (stop
requests in; `running/link.py`), so the same code serves the local executor and a remote
worker. Its exit code (`running/exits.py`) tells the executor what happened.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import traceback
import warnings
from typing import Any

from runplane.engine import lifecycle
from runplane.engine.classify import classify
from runplane.engine.running.context import EngineRunContext
from runplane.engine.running.exits import EXIT_CANCELLED, EXIT_DONE, EXIT_UNRECORDED
from runplane.engine.running.link import ExecutorLink
from runplane.engine.running.logsink import LogSink, SinkHandler, SinkStream
from runplane.model import Execution, ExecutionStatus, LogLine, Trigger
from runplane.model.clock import utcnow
from runplane.pipelines import Cancelled, Output, PipelineError, registry
from runplane.pipelines.params import validate_params
from runplane.pipelines.rules import ErrorRule
from runplane.settings import Settings
from runplane.store import Database, Rollback
from runplane.store import executions as store
from runplane.store import logs as log_store

log = logging.getLogger("runplane.run")


def child_main(execution_id: str, link: ExecutorLink, settings: Settings, db: Database) -> int:
    """Entry point of an execution's process (forked by its executor's fork server)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the executor decides what Ctrl-C means
    stop = threading.Event()
    link.watch(stop)
    sink = LogSink(
        db, execution_id, interval=settings.log_flush_interval, max_lines=settings.log_flush_lines
    )
    sink.start()
    _capture_output(sink)
    code = run_execution(db, execution_id, sink=sink, stop=stop, link=link, settings=settings)
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
    link: ExecutorLink,
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
        context = EngineRunContext(db, execution, params, stop, link, settings, sink)
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
    """Record the result with the log's last lines; if it was refused, say why in the log
    and leave the status to the executor (`lifecycle.record_exit`)."""
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
    else:
        log.error(
            "The execution was no longer running (%s); the result was discarded", current.status
        )
    return EXIT_UNRECORDED


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
    with db.write() as conn:
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
        raise Rollback


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
