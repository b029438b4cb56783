"""An execution against its pipeline's baseline: the median and p90 of the last 20
successful runs of the same pipeline and parameters class before it, measure by measure.
The API's detail (`baseline`), the detail page's Summary and the CLI read this.

The class is computed here, not stored: the pipeline's recent successes are read newest
first in keyset pages (`store/successes.py`), and the first 20 whose class parameters
match are kept; at most `MAX_SCAN` rows are read, so a class rarer than that among the
pipeline's recent successes says "not enough history". When the class is every parameter
(no dates, none named) the pages are narrowed to the same `params_hash` by its index.
Submit stays as it was, and a pipeline may change its class parameters with the history
already recorded following at once (`bench/baseline.py` times both cases).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from runplane.model import Execution
from runplane.model.cost import figure, memory
from runplane.model.timefmt import duration
from runplane.pipelines import Registry, UnknownPipeline
from runplane.pipelines import registry as default_registry
from runplane.pipelines.params import date_fields
from runplane.store import executions as store
from runplane.store import successes as success_store

WINDOW = 20
"""Successful runs a baseline is made of, the most recent first."""
MIN_RUNS = 3
"""Below this many, a baseline says "not enough history" and its measures are null."""
SCAN_PAGE = 200
MAX_SCAN = 2000
"""The most successes of the pipeline read to find the class's last `WINDOW`."""

MEASURES: dict[str, Callable[[Execution], float | None]] = {
    "duration": lambda e: e.duration_seconds,
    "rows": lambda e: e.rows_processed,
    "peak_rss": lambda e: e.peak_rss_bytes,
    "cost": lambda e: e.cost_amount,
}
"""What a baseline compares, by its name in the JSON: one line per measure."""
NAMES = tuple(MEASURES)


@dataclass(frozen=True)
class Measure:
    """One measure of the execution against the baseline's median and 90th percentile."""

    value: float | None
    median: float
    p90: float

    @property
    def delta_pct(self) -> float | None:
        """How far the value is from the median, in percent of it (`+85.0` is 85 % more)."""
        if self.value is None or self.median == 0:
            return None
        return round((self.value - self.median) / self.median * 100, 1)

    @property
    def outside_p90(self) -> bool:
        return self.value is not None and self.value > self.p90


@dataclass(frozen=True)
class Baseline:
    """The baseline of one execution: `runs` found (up to `WINDOW`) and each measure."""

    runs: int
    class_params: dict[str, Any]
    measures: dict[str, Measure | None]
    last_success: str | None
    """The most recent run of the baseline, for "compare with the last success"."""

    @property
    def enough(self) -> bool:
        return self.runs >= MIN_RUNS

    @property
    def outside_p90(self) -> list[str]:
        return [name for name, m in self.measures.items() if m is not None and m.outside_p90]


def class_params(
    pipeline: str, params: dict[str, Any], registry: Registry = default_registry
) -> dict[str, Any]:
    """The parameters that define a run's class: those the pipeline names in
    `baseline_params`, else all but its date and date-time ones (all, if it is unknown)."""
    try:
        definition = registry.get(pipeline)
    except UnknownPipeline:
        return dict(params)
    if definition.baseline_params is not None:
        return {k: params.get(k) for k in definition.baseline_params}
    dates = date_fields(definition.params)
    return {k: v for k, v in params.items() if k not in dates}


def load_baseline(
    conn: Connection, execution: Execution, registry: Registry = default_registry
) -> Baseline:
    """The baseline of `execution`: successes (completed, not dry runs) of its pipeline and
    class created before it, itself excluded."""
    wanted = class_params(execution.pipeline, execution.params, registry)
    runs = _last_successes(conn, execution, wanted, registry)
    measures: dict[str, Measure | None] = {}
    for name, value_of in MEASURES.items():
        values = [v for v in (value_of(run) for run in runs) if v is not None]
        measures[name] = None
        if len(runs) >= MIN_RUNS and len(values) >= MIN_RUNS:
            measures[name] = Measure(value_of(execution), statistics.median(values), p90(values))
    return Baseline(
        runs=len(runs),
        class_params=wanted,
        measures=measures,
        last_success=runs[0].execution_id if runs else None,
    )


def _last_successes(
    conn: Connection, execution: Execution, wanted: dict[str, Any], registry: Registry
) -> list[Execution]:
    """The class's last `WINDOW` successes before `execution`, newest first: keys are
    scanned page by page, then only the chosen rows are read whole."""
    same_params = wanted == execution.params and execution.params_hash
    narrow = execution.params_hash if same_params else None
    chosen: list[str] = []
    position = (execution.created_at, execution.execution_id)
    for _ in range(MAX_SCAN // SCAN_PAGE):
        page = success_store.list_success_keys(
            conn, execution.pipeline, position, limit=SCAN_PAGE, params_hash=narrow
        )
        matching = [
            k[0] for k in page if class_params(execution.pipeline, k[2], registry) == wanted
        ]
        chosen += matching[: WINDOW - len(chosen)]
        if len(chosen) == WINDOW or len(page) < SCAN_PAGE:
            break
        last_id, last_at, _ = page[-1]
        position = (last_at, last_id)
    rows = store.list_executions_by_id(conn, chosen)
    return [rows[execution_id] for execution_id in chosen]


def p90(values: list[float]) -> float:
    """The 90th percentile, interpolated between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = 0.9 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def baseline_json(baseline: Baseline | None) -> dict[str, Any] | None:
    """The execution JSON's `baseline`; below `MIN_RUNS` runs every measure is null."""
    if baseline is None:
        return None
    measures = {name: _measure_json(baseline.measures.get(name)) for name in NAMES}
    return {
        "runs": baseline.runs,
        "window": WINDOW,
        "min_runs": MIN_RUNS,
        "class_params": baseline.class_params,
        "last_success": baseline.last_success,
        **measures,
        "outside_p90": baseline.outside_p90,
        "summary": baseline_lines(baseline),
    }


def baseline_from_json(body: dict[str, Any] | None) -> Baseline | None:
    """A baseline as `baseline_json` published it, back as the type (the CLI's remote mode)."""
    if body is None:
        return None
    measures = {
        name: None if body.get(name) is None else Measure(
            body[name]["value"], body[name]["median"], body[name]["p90"]
        )
        for name in MEASURES
    }  # fmt: skip
    return Baseline(body["runs"], body["class_params"], measures, body["last_success"])


def _measure_json(m: Measure | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"value": m.value, "median": m.median, "p90": m.p90, "delta_pct": m.delta_pct}


def baseline_lines(baseline: Baseline) -> list[str]:
    """The words: `+85 % slower than usual (2m 10s vs 1m 10s median)`, `rows +12 % vs
    median (1,120 vs 1,000)`, or `not enough history (2 of 3 successful runs)`."""
    if not baseline.enough:
        return [f"not enough history ({baseline.runs} of {MIN_RUNS} successful runs)"]
    lines = []
    took = baseline.measures.get("duration")
    if took is not None and took.value is not None:
        lines.append(_duration_line(took))
    for name, label, shown in _FIGURES:
        m = baseline.measures.get(name)
        if m is not None and m.value is not None:
            lines.append(_figure_line(label, m, shown))
    return lines or [f"nothing to compare with the {baseline.runs} successful runs"]


def _duration_line(m: Measure) -> str:
    assert m.value is not None
    pair = f"({duration(m.value)} vs {duration(m.median)} median)"
    delta = m.delta_pct
    if delta is None:  # a median of zero: no percentage to give
        text = f"{_direction(m, 'slower than', 'faster than', 'as fast as')} usual {pair}"
    elif round(delta) == 0:
        text = f"as fast as usual {pair}"
    elif delta > 0:
        text = f"+{delta:.0f} % slower than usual {pair}"
    else:
        text = f"{-delta:.0f} % faster than usual {pair}"
    return text + (f", above the p90 of {duration(m.p90)}" if m.outside_p90 else "")


def _figure_line(label: str, m: Measure, shown: Callable[[float], str]) -> str:
    """`rows +12 % vs median (1,120 vs 1,000)`, likewise for peak memory and cost."""
    assert m.value is not None
    pair = f"({shown(m.value)} vs {shown(m.median)})"
    delta = m.delta_pct
    if delta is None:
        text = f"{label} {_direction(m, 'more than', 'less than', 'as')} the median {pair}"
    elif round(delta) == 0:
        text = f"{label} as the median {pair}"
    else:
        text = f"{label} {delta:+.0f} % vs median {pair}"
    return text + (f", above the p90 of {shown(m.p90)}" if m.outside_p90 else "")


_FIGURES: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("rows", "rows", lambda v: f"{v:,.0f}"),
    ("peak_rss", "peak memory", memory),
    ("cost", "cost", figure),
)
"""The measures besides duration, as their line names and shows them (cost in the
currency it was recorded in, which the detail's cost line names)."""


def _direction(m: Measure, above: str, below: str, same: str) -> str:
    assert m.value is not None
    if m.value == m.median:
        return same
    return above if m.value > m.median else below
