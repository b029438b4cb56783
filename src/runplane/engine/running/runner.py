"""Runs one execution inside its own process: load it by id, call the pipeline, record the result.

The runner needs only the database, the execution id and a link to its executor (stop
requests in; `running/link.py`), so the same code serves the local executor and a remote
worker. Its exit code (`running/exits.py`) tells the executor what happened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import replace
from typing import Any

from runplane.engine import accounting, faults, lifecycle, processes
from runplane.engine.classify import classify
from runplane.engine.running.context import EngineRunContext
from runplane.engine.running.exits import (
    EXIT_CANCELLED,
    EXIT_DONE,
    EXIT_HANDED_OVER,
    EXIT_UNRECORDED,
)
from runplane.engine.running.link import ExecutorLink
from runplane.engine.running.logcap import LogCap
from runplane.engine.running.logsink import LogSink, SinkHandler, SinkStream
from runplane.engine.running.outcome import Outcome
from runplane.model import Execution, ExecutionStatus, LogLine, Trigger
from runplane.model.clock import utcnow
from runplane.model.cost import Rates
from runplane.pipelines import Cancelled, Output, PipelineError, registry
from runplane.pipelines.params import validate_params
from runplane.pipelines.rules import ErrorRule
from runplane.settings import Settings
from runplane.store import Database, Rollback, counts, storage_problem
from runplane.store import executions as store
from runplane.store import logs as log_store

log = logging.getLogger("runplane.run")
_WARM_ID = "00000000-0000-0000-0000-000000000000"
"""The made-up execution the warm-ups read and roll back: no real one has this id."""


def child_main(execution_id: str, link: ExecutorLink, settings: Settings, db: Database) -> int:
    """Entry point of an execution's process (forked by its executor's fork server)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the executor decides what Ctrl-C means
    stop = threading.Event()
    link.watch(stop)
    cap = LogCap(
        max_lines=settings.log_max_lines,
        max_bytes=settings.log_max_bytes,
        max_line_bytes=settings.log_max_line_bytes,
        tail_lines=settings.log_tail_lines,
    )
    sink = LogSink(
        db,
        execution_id,
        interval=settings.log_flush_interval,
        max_lines=settings.log_flush_lines,
        cap=cap,
    )
    sink.start()
    _capture_output(sink)
    code = run_execution(db, execution_id, sink=sink, stop=stop, link=link, settings=settings)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        sink.close()
    except Exception as exc:  # lines after the result; the result itself is safe
        if storage_problem(exc) is None:
            raise
        _note(f"execution {execution_id}: its last log lines were not written ({exc})")
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
        faults.reach("mid-run", execution_id)
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
        failed = Outcome(execution, ExecutionStatus.FAILED, error=error)
        return _finish(db, failed, sink, link, settings)
    status = ExecutionStatus.DRY_RUN if execution.dry_run else ExecutionStatus.COMPLETED
    done = Outcome(execution, status, output=output.to_dict(), rows_processed=output.rows_processed)
    return _finish(db, done, sink, link, settings)


def _finish(
    db: Database, result: Outcome, sink: LogSink, link: ExecutorLink, settings: Settings
) -> int:
    """Record the result with the log's last lines; if it was refused, say why in the log
    and leave the status to the executor (`lifecycle.record_exit`). If the database will
    not take it, retry for `final_write_timeout`, then hand it to the executor."""
    execution = result.execution
    lines = sink.take(("INFO", f"Execution complete: {result.status.upper()}"))
    me = os.getpid()
    outcome = replace(
        result, log_lines=tuple(lines), finished_at=utcnow(), process=(me, processes.start_time(me)),
        rates=settings.rate_card.for_pipeline(execution.pipeline), usage=accounting.own_usage(),
    )  # fmt: skip
    faults.reach("final-write", execution.execution_id)
    deadline = time.monotonic() + settings.final_write_timeout
    pause = 0.05
    while True:
        try:
            recorded = outcome.write(db, retry_scale=settings.retry_backoff_scale)
            break
        except Exception as exc:
            problem = storage_problem(exc, db.location)
            if problem is None:
                raise
            if time.monotonic() + pause > deadline:
                if link.hand_over(outcome):
                    _note(f"execution {execution.execution_id} handed its result to its "
                          f"executor: {problem}")  # fmt: skip
                    return EXIT_HANDED_OVER
                raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
    if recorded:
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


def _note(message: str) -> None:
    """A line for the server's log (the process's own stderr feeds its execution log)."""
    if sys.__stderr__ is not None:
        print(f"runplane: {message}", file=sys.__stderr__, flush=True)


def connect(db: Database) -> None:
    """Open this process's database connection and read through it once, before its
    execution is known: a spare child's head start (`executors/forkserver.py`)."""
    with contextlib.suppress(Exception), db.read() as conn:  # unreachable: the run says so
        store.find_execution(conn, _WARM_ID)


def warm_up(db: Database) -> None:
    """Run a made-up run's statements (stored, logged, finished, counted) and roll back, so
    the children forked afterwards find every one compiled in the engine's cache."""
    now = utcnow()
    fake = Execution(
        execution_id=_WARM_ID,
        pipeline="runplane.noop",
        status=ExecutionStatus.RUNNING,
        params={"warm": "up"},  # so its parameters' insert, as an automatic retry's, is compiled
        params_hash="",
        trigger=Trigger.API,
        triggered_by="warm-up",
        trigger_time=now,
        created_at=now,
        capture_id="cap_warm",
    )
    lines = [LogLine(fake.execution_id, seq, now, "INFO", "x") for seq in range(1, 6)]
    with db.write() as conn:
        with counts.tally(conn):  # its hourly upsert runs here, inside the rolled-back write
            store.insert_execution(conn, fake)
            store.find_execution(conn, fake.execution_id)
            log_store.insert_log_lines(conn, lines[:1])  # one line and several: two forms
            log_store.insert_log_lines(conn, lines[1:3])
            lifecycle.record_finish(
                conn, fake, ExecutionStatus.COMPLETED, output={}, rows_processed=0, error=None,
                log_lines=lines[3:], registry=registry, retry_scale=1.0, now=now, process=(0, 0.0),
                rates=Rates(0.0, 0.0, "USD"), usage=accounting.own_usage(),
            )  # fmt: skip
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
