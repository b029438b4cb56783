"""FINRA's part of the demo's synthetic history: 30 days of the weekly chain (ingest,
normalize, aggregate, rolling) as the `finra-weekly` schedule fires it on Tuesdays, with a
503 that its automatic retry got past, a tier whose three attempts all failed, an operator's
data and dependency failures and a dry run. Written as ended records, never run."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from runplane.domains.finra_otc.stages import PIPELINES, Stage
from runplane.pipelines.errors import DataError, DependencyError, TransientError
from runplane.plugins import DemoPast

SCHEDULE = "finra-weekly"
FIRES_AT = time(11, 0)
"""Tuesday 06:00 in New York, in UTC while New York keeps standard time."""
UPSTREAM = "https://otc.finra.example/otc/weekly"
"""The synthetic history's upstream (a reserved `.example` name: nothing is fetched)."""
CHAIN = timedelta(minutes=10)
"""Longer than a week's chain takes, flaky first attempt included."""
SYMBOLS = ("KMCJP", "HOVC", "TRLX", "BRQZF", "NVAXP", "OZELF")
SECONDS = {Stage.INGEST: (38, 95), Stage.NORMALIZE: (14, 35), Stage.AGGREGATE: (8, 21), Stage.ROLLING: (20, 44)}  # fmt: skip


def history(now: datetime, tier: str) -> list[DemoPast]:
    """The last 30 days up to `now` (UTC), oldest first."""
    rng = random.Random(2025)
    past: list[DemoPast] = []
    days = (now.date() - timedelta(days=n) for n in range(30, -1, -1))
    tuesdays = [  # today's too once its chain would have ended
        d for d in days
        if d.weekday() == 1 and datetime.combine(d, FIRES_AT, now.tzinfo) < now - CHAIN
    ]  # fmt: skip
    for n, tuesday in enumerate(tuesdays):
        fired = datetime.combine(tuesday, FIRES_AT, tzinfo=now.tzinfo)
        week = tuesday - timedelta(days=8)  # the Monday FINRA's file of the week before names
        _chain(past, rng, fired, week, tier, flaky=n == 1)
        if n == 2:  # the same week for the NMS tier, by API: the upstream never came back
            at = fired + timedelta(hours=3)
            params = {"week_ending": week.isoformat(), "tier": "NMS_TIER_1"}
            error = TransientError(f"HTTP 503 from {UPSTREAM}", url=UPSTREAM, status_code=503)
            first = DemoPast(
                PIPELINES[Stage.INGEST], params, at, 31.0, "failed", "api", error=error
            )
            past.append(first)
            for attempt, wait in ((2, 31), (3, 95)):
                past.append(
                    DemoPast(
                        PIPELINES[Stage.INGEST], params, at + timedelta(seconds=wait * attempt),
                        30.4, "failed", "api", error=error, retry_of=len(past) - 1,
                    )
                )  # fmt: skip
    week = tuesdays[-1] - timedelta(days=8)
    missing = (week - timedelta(days=35)).isoformat()
    source = f"finra-otc/{tier}/{missing}.psv"
    past += [
        DemoPast(
            PIPELINES[Stage.INGEST], {"week_ending": missing, "tier": tier},
            _at(now, 9, 15, 40), 0.4, "failed", "manual",
            error=DataError(f"no file at {source}", file=source),
        ),
        DemoPast(
            PIPELINES[Stage.AGGREGATE], {"week_ending": missing, "tier": tier},
            _at(now, 9, 15, 44), 0.6, "failed", "manual",
            error=DependencyError(
                f"{tier} week ending {missing} has no published normalize",
                pipeline=PIPELINES[Stage.NORMALIZE], params={"week_ending": missing, "tier": tier},
            ),
        ),
        DemoPast(
            PIPELINES[Stage.INGEST], {"week_ending": week.isoformat(), "tier": tier, "force": True},
            _at(now, 4, 10, 5), 2.8, "dry_run", "manual",
            summary=("Dry run: would ingest the week again; nothing was written",),
        ),
    ]  # fmt: skip
    return past  # in the order built: entries name earlier ones by their index


def _chain(
    past: list[DemoPast], rng: random.Random, fired: datetime, week: date, tier: str, *, flaky: bool
) -> None:
    """One week's four stages, each queued behind the one before."""
    params = {"week_ending": week.isoformat(), "tier": tier}
    at = fired + timedelta(milliseconds=rng.randint(20, 400))
    if flaky:  # the first attempt met a 503; the automatic retry 64 s later got through
        error = TransientError(f"HTTP 503 from {UPSTREAM}", url=UPSTREAM, status_code=503)
        past.append(
            DemoPast(
                PIPELINES[Stage.INGEST], params, at, 30.2, "failed", schedule=SCHEDULE, error=error
            )
        )
        at += timedelta(seconds=64)
    rows = rng.randint(46_000, 52_000)
    symbols = rng.randint(9_200, 10_400)
    top = f"{rng.choice(SYMBOLS)} ({rng.uniform(15, 40):.1f}M shares)"
    for stage in Stage:
        low, high = SECONDS[stage]
        seconds = round(rng.uniform(low, high), 1)
        kept = rows - rng.randint(0, 40)
        out = {
            Stage.INGEST: (rows, (f"Ingested {tier} data for week ending {week}", f"Top symbol by volume: {top}"),
                           {"symbols_added": rng.randint(20, 90), "top_symbol_by_volume": top}),
            Stage.NORMALIZE: (kept, (f"Normalised {tier} week ending {week}: {kept:,} rows kept",), {}),
            Stage.AGGREGATE: (symbols, (f"Aggregated {symbols:,} symbols for {tier} week ending {week}",), {}),
            Stage.ROLLING: (symbols, (f"Rolling 4-week averages for {symbols:,} symbols",), {}),
        }[stage]  # fmt: skip
        figures = {**out[2], "weeks_updated": [week.isoformat()]}
        retry = len(past) - 1 if flaky and stage == Stage.INGEST else None
        after = len(past) - 1 if stage != Stage.INGEST else None
        past.append(
            DemoPast(
                PIPELINES[stage], params, at, seconds, schedule=SCHEDULE, rows=out[0],
                summary=out[1], figures=figures, retry_of=retry, after=after,
            )
        )  # fmt: skip
        at += timedelta(seconds=seconds + rng.uniform(0.5, 2.0))


def _at(now: datetime, days: int, hour: int, minute: int) -> datetime:
    return datetime.combine(
        now.date() - timedelta(days=days), time(hour, minute), tzinfo=now.tzinfo
    )
