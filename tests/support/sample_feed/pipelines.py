"""The sample feed's pipeline: load one day of readings into a new capture."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from sqlalchemy import insert

from runplane.pipelines import Asset, Output, Params, RunContext, pipeline
from tests.support.sample_feed.tables import readings

ASSET_KIND = "sample_feed"


def day_asset(day: date) -> str:
    """The capture's asset, e.g. `sample_feed/2025-12-22`."""
    return f"{ASSET_KIND}/{day.isoformat()}"


class DayParams(Params):
    day: date = Field(..., description="The day whose readings to load.")
    readings: int = Field(3, ge=1, le=1000, description="How many readings it has.")


@pipeline("tests.sample_feed.load_day", description="Loads one day of readings.", params=DayParams)
def load_day(ctx: RunContext[DayParams]) -> Output:
    p = ctx.params
    ctx.open_capture(day_asset(p.day))
    rows = [
        {"capture_id": ctx.capture_id, "day": p.day, "reading": n, "value": n * 10}
        for n in range(1, p.readings + 1)
    ]
    if not ctx.dry_run:
        with ctx.data.write() as conn:
            conn.execute(insert(readings), rows)
    return Output(
        rows_processed=len(rows),
        summary=[f"Loaded {len(rows)} readings of {p.day}"],
        assets=[Asset(ASSET_KIND, {"day": p.day.isoformat()})],
    )
