"""What an execution cost: the rates in force (`RUNPLANE_COST_*`), their version, the usage
its process tree accounted for, and the arithmetic, so every adapter says it the same way.

    rates = Rates(cpu_hour=0.05, gb_hour=0.01, currency="USD")
    price(Usage(cpu_seconds=0.42, gb_seconds=1.3), rates)   # 9.44e-06 (USD)
    rates.version                                           # 'v3f2a91c'
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import pairwise

GB = 1024**3
HOUR = 3600.0


@dataclass(frozen=True)
class Rates:
    """Prices per CPU-hour and per GB-hour of resident memory, in one currency."""

    cpu_hour: float
    gb_hour: float
    currency: str

    @cached_property
    def version(self) -> str:
        """A short id that changes whenever any rate or the currency does: stored with each
        cost, so a figure can be traced to the rates that made it."""
        text = f"{self.cpu_hour!r}|{self.gb_hour!r}|{self.currency}"
        return "v" + hashlib.sha256(text.encode()).hexdigest()[:7]

    def to_dict(self) -> dict[str, float | str]:
        return {"cpu_hour": self.cpu_hour, "gb_hour": self.gb_hour, "currency": self.currency}


@dataclass(frozen=True)
class RateCard:
    """The deployment's rates, and those of the pipelines priced differently."""

    default: Rates
    pipelines: Mapping[str, Rates] = field(default_factory=dict)

    def for_pipeline(self, pipeline: str) -> Rates:
        return self.pipelines.get(pipeline, self.default)


@dataclass(frozen=True)
class Usage:
    """What one execution's process tree used: CPU seconds and memory GB-seconds."""

    cpu_seconds: float
    gb_seconds: float
    peak_rss_bytes: int | None = None


@dataclass(frozen=True)
class ExitUsage:
    """The process's own accounting at its end: CPU seconds of itself and its waited-for
    children (getrusage SELF + CHILDREN, or the rusage of the waited child), its peak RSS."""

    cpu_seconds: float
    peak_rss_bytes: int


@dataclass(frozen=True)
class Cost:
    """An execution's cost as stored when it ended (`cost` in its JSON)."""

    amount: float
    currency: str
    cpu_seconds: float
    gb_seconds: float
    rates_version: str

    def to_dict(self) -> dict[str, float | str]:
        return {
            "amount": self.amount,
            "currency": self.currency,
            "cpu_seconds": self.cpu_seconds,
            "gb_seconds": self.gb_seconds,
            "rates_version": self.rates_version,
        }


def price(usage: Usage, rates: Rates) -> float:
    """CPU-hours × the CPU rate + GB-hours × the memory rate."""
    return usage.cpu_seconds / HOUR * rates.cpu_hour + usage.gb_seconds / HOUR * rates.gb_hour


def gb_seconds(
    samples: Sequence[tuple[datetime, int]],
    *,
    started: datetime,
    ended: datetime,
    end_rss: int,
) -> float:
    """Resident memory integrated over the run's wall time, in GB-seconds.

    Between samples the trapezoid; from the start to the first sample that sample's RSS;
    from the last sample to the end, the RSS measured at the end (`end_rss`). With no
    sample, `end_rss` (the peak) for the whole run.
    """
    points = [(at, rss) for at, rss in samples if started <= at <= ended]
    if not points:
        return max(0.0, (ended - started).total_seconds()) * end_rss / GB
    points = [(started, points[0][1]), *points, (ended, end_rss)]
    total = 0.0
    for (t0, r0), (t1, r1) in pairwise(points):
        total += (t1 - t0).total_seconds() * (r0 + r1) / 2
    return total / GB


def cost_of(
    *,
    rates: Rates,
    exit_usage: ExitUsage | None,
    samples: Sequence[tuple[datetime, int, float]],
    started: datetime | None,
    ended: datetime,
) -> tuple[Cost, int | None]:
    """The cost of a run and its peak RSS, from its samples `(at, rss_bytes, cpu_seconds)`
    and its own accounting at exit (None when its process was lost unseen).

    CPU is the larger of the exit figure and the last sample's (a child still alive at
    the end is only in the samples).
    """
    sampled_cpu = max((cpu for _at, _rss, cpu in samples), default=0.0)
    sampled_peak = max((rss for _at, rss, _cpu in samples), default=0)
    cpu = max(sampled_cpu, 0.0 if exit_usage is None else exit_usage.cpu_seconds)
    peak = max(sampled_peak, 0 if exit_usage is None else exit_usage.peak_rss_bytes)
    end_rss = peak if not samples else samples[-1][1]
    memory = (
        0.0
        if started is None
        else gb_seconds([(at, rss) for at, rss, _ in samples], started=started, ended=ended,
                        end_rss=end_rss)
    )  # fmt: skip
    usage = Usage(cpu_seconds=cpu, gb_seconds=memory, peak_rss_bytes=peak or None)
    cost = Cost(
        amount=price(usage, rates),
        currency=rates.currency,
        cpu_seconds=cpu,
        gb_seconds=memory,
        rates_version=rates.version,
    )
    return cost, usage.peak_rss_bytes


def explain(cost: Cost, rates: Rates | None) -> str:
    """How the figure was computed, e.g. `0.42 CPU-s × 0.05 USD/CPU-h + 1.3 GB-s × 0.01
    USD/GB-h = 0.00000944 USD, rates v3f2a91c, recorded at finish`."""
    tail = f"rates {cost.rates_version}, recorded at finish"
    if rates is None or rates.version != cost.rates_version:
        return (
            f"{figure(cost.cpu_seconds)} CPU-s and {figure(cost.gb_seconds)} GB-s at the rates "
            f"then in force = {money(cost.amount, cost.currency)}, {tail}"
        )
    c = cost.currency
    return (
        f"{figure(cost.cpu_seconds)} CPU-s × {figure(rates.cpu_hour)} {c}/CPU-h + "
        f"{figure(cost.gb_seconds)} GB-s × {figure(rates.gb_hour)} {c}/GB-h = "
        f"{money(cost.amount, c)}, {tail}"
    )


def figure(value: float) -> str:
    """A quantity with three significant digits, whole numbers with separators."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def memory(size: float) -> str:
    """Bytes in decimal units with three significant digits, as the resource graphs show
    them: `51.4 MB`."""
    for divisor, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if size >= divisor:
            return f"{size / divisor:.3g} {unit}"
    return f"{size:.0f} B"


def money(amount: float, currency: str) -> str:
    """`0.0123 USD`; amounts under a hundredth keep three significant digits."""
    if amount == 0:
        return f"0 {currency}"
    if abs(amount) >= 0.01:
        return f"{amount:,.4f}".rstrip("0").rstrip(".") + f" {currency}"
    digits = 2 - math.floor(math.log10(abs(amount)))
    return f"{amount:.{digits}f} {currency}"
