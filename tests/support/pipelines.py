"""Pipelines only the tests register (loaded through `pipeline_modules`)."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from datetime import date, datetime

from pydantic import Field
from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert

from runplane.model import ErrorClass
from runplane.pipelines import SLA, NoParams, Output, Params, RunContext, TransientError, pipeline
from runplane.pipelines.registry import RetryPolicy

metadata = MetaData()
test_rows = Table(
    "test_rows",
    metadata,
    Column("capture_id", String(40), nullable=False),
    Column("n", BigInteger, nullable=False),
    Column("label", String(40), nullable=False),
)


class FillParams(Params):
    rows: int = Field(1000, ge=0)
    batch: int = Field(10_000, ge=1)
    seconds_per_batch: float = Field(0.0, ge=0)


@pipeline(
    "tests.fill", description="Writes `rows` rows under its capture, in batches.", params=FillParams
)
def fill(ctx: RunContext[FillParams]) -> Output:
    with ctx.data.write() as conn:
        test_rows.create(conn, checkfirst=True)
    ctx.open_capture("tests/fill")
    written = 0
    while written < ctx.params.rows:
        ctx.check_cancelled()
        size = min(ctx.params.batch, ctx.params.rows - written)
        with ctx.data.write() as conn:
            conn.execute(
                insert(test_rows),
                [
                    {"capture_id": ctx.capture_id, "n": written + i, "label": "x"}
                    for i in range(size)
                ],
            )
        written += size
        ctx.progress(written, ctx.params.rows)
        time.sleep(ctx.params.seconds_per_batch)
    return Output(rows_processed=written, summary=[f"Wrote {written:,} rows"])


@pipeline(
    "tests.noisy", description="Emits through every channel: logger, print, stderr, warnings."
)
def noisy(ctx: RunContext[NoParams]) -> Output:
    ctx.log.info("from the logger")
    print("from print")
    print("from stderr", file=sys.stderr)
    warnings.warn("from warnings", UserWarning, stacklevel=1)
    ctx.log.info("escape me <script>alert(1)</script>")
    return Output(rows_processed=1)


@pipeline("tests.key_error", description="A plain programming error.", retry=None)
def key_error(ctx: RunContext[NoParams]) -> Output:
    return Output(rows_processed={}["missing"])


class CountParams(Params):
    n: int = Field(3, ge=1, le=100)


@pipeline(
    "tests.fan_out",
    description="Submits n noop children, the second after the first.",
    params=CountParams,
)
def fan_out(ctx: RunContext[CountParams]) -> Output:
    first = ctx.submit("runplane.noop", {})
    children = [first] + [
        ctx.submit("runplane.noop", {}, after=first) for _ in range(ctx.params.n - 1)
    ]
    statuses = ctx.wait(children)
    done = sum(1 for s in statuses.values() if s == "completed")
    return Output(rows_processed=done, figures={"children": len(children)})


class IntParams(Params):
    count: int = Field(..., ge=1, le=10, description="A required integer.")
    label: str = "x"


@pipeline("tests.typed", description="Has a required, bounded integer.", params=IntParams)
def typed(ctx: RunContext[IntParams]) -> Output:
    return Output(rows_processed=ctx.params.count)


class IgnoreParams(Params):
    seconds: float = 5.0


@pipeline(
    "tests.stubborn", description="Ignores cancellation; only a kill stops it.", params=IgnoreParams
)
def stubborn(ctx: RunContext[IgnoreParams]) -> Output:
    time.sleep(ctx.params.seconds)
    return Output(rows_processed=0)


class DatedParams(Params):
    day: date = Field(..., description="A day.")


@pipeline("tests.dated", description="Takes a date.", params=DatedParams)
def dated(ctx: RunContext[DatedParams]) -> Output:
    return Output(rows_processed=1, summary=[f"Day {ctx.params.day}"])


class ReadingParams(Params):
    region: str = Field("emea", description="Whose readings.")
    day: date = Field(date(2025, 12, 22), description="Which day.")
    since: datetime | None = Field(None, description="Only readings after this instant.")
    verbose: bool = False


@pipeline(
    "tests.readings",
    description="A dated daily job whose class is its region.",
    params=ReadingParams,
)
def readings(ctx: RunContext[ReadingParams]) -> Output:
    ctx.log.info("reading %s for %s", ctx.params.region, ctx.params.day)
    return Output(rows_processed=1, figures={"region": ctx.params.region})


@pipeline(
    "tests.by_region",
    description="Like tests.readings, but names its class parameters.",
    params=ReadingParams,
    baseline_params=("region",),
)
def by_region(ctx: RunContext[ReadingParams]) -> Output:
    return Output(rows_processed=1)


@pipeline(
    "tests.sla",
    description="Does nothing, promising a run of at most 10 minutes done an hour after its "
    "scheduled instant.",
    sla=SLA(max_duration="10m", complete_within="1h"),
)
def under_sla(ctx: RunContext[NoParams]) -> Output:
    return Output(rows_processed=0)


class SleepParams(Params):
    seconds: float = Field(3.0, ge=0)


@pipeline(
    "tests.sla_quick",
    description="Sleeps past its one-second maximum duration.",
    params=SleepParams,
    sla=SLA(max_duration="1s"),
    retry=None,
)
def past_its_sla(ctx: RunContext[SleepParams]) -> Output:
    time.sleep(ctx.params.seconds)
    return Output(rows_processed=0)


class BurnParams(Params):
    seconds: float = Field(0.05, ge=0, le=60, description="CPU seconds to burn itself.")
    child_seconds: float = Field(
        0.0, ge=0, le=60, description="CPU seconds a child process it waits for burns."
    )


LOOP = "import time\nend = time.process_time() + {}\nwhile time.process_time() < end: pass"
"""A busy loop that stops after that much CPU time, however loaded the machine is."""


@pipeline(
    "tests.burn", description="Burns CPU time, itself and in a child process.", params=BurnParams
)
def burn(ctx: RunContext[BurnParams]) -> Output:
    if ctx.params.child_seconds:
        subprocess.run([sys.executable, "-c", LOOP.format(ctx.params.child_seconds)], check=True)
    end = time.process_time() + ctx.params.seconds
    spins = 0
    while time.process_time() < end:
        spins += 1
        if spins % 100_000 == 0:
            ctx.check_cancelled()
    return Output(rows_processed=spins)


@pipeline(
    "tests.unavailable",
    description="Its upstream always answers 503; retried automatically, three attempts.",
    retry=RetryPolicy(max_attempts=3, backoff_seconds=1.0),
)
def unavailable(ctx: RunContext[NoParams]) -> Output:
    raise TransientError("HTTP 503 from upstream", url="http://127.0.0.1/feed", status_code=503)


pipeline(
    "tests.fill_retried",
    description="Like tests.fill, retried once automatically when its worker is lost.",
    params=FillParams,
    retry=RetryPolicy(
        max_attempts=2, backoff_seconds=0.0, classes=frozenset({ErrorClass.WORKER_LOST})
    ),
)(fill)


@pipeline("tests.heavy", description="Does nothing, on the workers serving `heavy`.", queue="heavy")
def heavy(ctx: RunContext[NoParams]) -> Output:
    return Output(rows_processed=0)
