"""Diagnostic pipelines shipped with Runplane, for tests, demos and benchmarks."""

from __future__ import annotations

import os
import signal
import time
from enum import StrEnum

from pydantic import Field

from runplane.pipelines.context import RunContext
from runplane.pipelines.errors import ConfigError, DataError, DependencyError, TransientError
from runplane.pipelines.output import Output
from runplane.pipelines.params import NoParams, Params
from runplane.pipelines.registry import pipeline


@pipeline(
    "runplane.noop", description="Does nothing and completes: measures the engine's overhead."
)
def noop(ctx: RunContext[NoParams]) -> Output:
    return Output(rows_processed=0, summary=["Nothing to do"])


class SleepParams(Params):
    seconds: float = Field(1.0, ge=0, le=86_400, description="How long to run.")
    lines_per_second: int = Field(
        0, ge=0, le=100_000, description="Log lines to write per second while sleeping."
    )


@pipeline(
    "runplane.sleep",
    description="Runs for a while, checking for cancellation; optionally logs at a steady rate.",
    params=SleepParams,
)
def sleep(ctx: RunContext[SleepParams]) -> Output:
    p = ctx.params
    deadline = time.monotonic() + p.seconds
    step = 0.05
    lines = 0
    started = time.monotonic()
    while (remaining := deadline - time.monotonic()) > 0:
        ctx.check_cancelled()
        if p.lines_per_second:
            due = int((time.monotonic() - started) * p.lines_per_second)
            for _ in range(due - lines):
                lines += 1
                ctx.log.info("tick %d", lines)
        time.sleep(min(step, remaining))
    ctx.log.info("slept %.2fs", p.seconds)
    return Output(rows_processed=lines, figures={"seconds": p.seconds, "lines": lines})


class FailureKind(StrEnum):
    TRANSIENT = "transient"
    DATA = "data"
    CONFIG = "config"
    DEPENDENCY = "dependency"
    UNKNOWN = "unknown"
    CRASH = "crash"


class FailParams(Params):
    error: FailureKind = Field(FailureKind.UNKNOWN, description="Which kind of failure to raise.")
    message: str = Field("diagnostic failure", max_length=500)


@pipeline(
    "runplane.fail",
    description="Fails on purpose with a chosen error type; `crash` kills its own process.",
    params=FailParams,
    retry=None,
)
def fail(ctx: RunContext[FailParams]) -> Output:
    p = ctx.params
    ctx.log.info("about to fail with %s", p.error)
    match p.error:
        case FailureKind.TRANSIENT:
            raise TransientError(p.message, url="http://127.0.0.1/diagnostic", status_code=503)
        case FailureKind.DATA:
            raise DataError(p.message, file="diagnostic.psv", row=2)
        case FailureKind.CONFIG:
            raise ConfigError(p.message, parameter="message")
        case FailureKind.DEPENDENCY:
            raise DependencyError(p.message, pipeline="runplane.noop", params={})
        case FailureKind.CRASH:
            os.kill(os.getpid(), signal.SIGKILL)
    raise RuntimeError(p.message)
