"""Line charts as SVG markup rendered on the server: pure functions from a series to markup,
for the execution detail's resource graphs.

No script and no `style` attribute, so the dashboard's CSP stands: geometry and colours
are presentation attributes, the look is app.css's `.chart` classes. Every text is
escaped. Axes tick at round values with their unit; the peak is marked with its value;
`<title>` and `<desc>` say what a screen reader needs (peak, duration, samples).

    resource_chart(usage.cpu, usage.elapsed, samples=usage.samples)
    # Markup('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-cpu" ...')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from runplane.model.timefmt import duration
from runplane.views.resources import Point, Series

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 24, 46
FONT = 13
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TICKS = 4
"""About this many intervals per axis."""

TITLES = {"cpu": "CPU", "memory": "Memory (RSS)"}

_Axis = Callable[[float], float]
"""A value's coordinate on one axis."""


@dataclass(frozen=True)
class Scale:
    """How values of one axis read: divided by `divisor`, shown in `unit`."""

    divisor: float
    unit: str

    def label(self, value: float) -> str:
        return f"{_number(value / self.divisor)} {self.unit}"


def value_scale(series: Series) -> Scale:
    """% for CPU; GB, MB or kB (decimal) for memory, by the size of its peak."""
    if series.unit == "percent":
        return Scale(1.0, "%")
    top = series.peak.value if series.peak else 0.0
    for divisor, unit in ((1e9, "GB"), (1e6, "MB")):
        if top >= divisor:
            return Scale(divisor, unit)
    return Scale(1e3, "kB")


def time_scale(seconds: float) -> Scale:
    """Seconds up to two minutes, minutes up to two hours, then hours."""
    if seconds <= 120:
        return Scale(1.0, "s")
    if seconds <= 7200:
        return Scale(60.0, "min")
    return Scale(3600.0, "h")


def nice_ticks(top: float, count: int = TICKS) -> list[float]:
    """Round values from 0 to at least `top`, about `count` intervals: steps of 1, 2, 2.5
    or 5 times a power of ten (`nice_ticks(87) == [0, 20, 40, 60, 80, 100]`)."""
    if top <= 0:
        return [0.0, 1.0]
    rough = top / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def resource_chart(series: Series, elapsed: float, *, samples: int) -> Markup:
    """The chart of `series` over `elapsed` seconds of the execution's life."""
    ys = value_scale(series)
    xs = time_scale(elapsed)
    peak = series.peak
    y_ticks = nice_ticks((peak.value if peak else 0.0) / ys.divisor or 1.0)
    x_top = max(elapsed, 1.0)
    x_ticks = [t for t in nice_ticks(x_top / xs.divisor) if t * xs.divisor <= x_top * 1.000001]
    y_top = y_ticks[-1] * ys.divisor

    def x(seconds: float) -> float:
        return LEFT + seconds / x_top * PLOT_W

    def y(value: float) -> float:
        return TOP + PLOT_H - value / y_top * PLOT_H

    name = escape(series.name)
    title = TITLES.get(series.name, series.name)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{name}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-{name}-title chart-{name}-desc">',
        f'<title id="chart-{name}-title">{escape(title)}</title>',
        f'<desc id="chart-{name}-desc">{escape(_summary(title, series, ys, elapsed, samples))}'
        "</desc>",
        '<g class="grid" stroke="currentColor" stroke-opacity="0.15">',
        *(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
          for v in (t * ys.divisor for t in y_ticks)),
        "</g>",
        f'<g class="ticks" fill="currentColor" font-size="{FONT}">',
        *(f'<text x="{LEFT - 6}" y="{y(t * ys.divisor) + 4:.1f}" text-anchor="end">'
          f"{escape(ys.label(t * ys.divisor))}</text>" for t in y_ticks),
        *(f'<text x="{x(t * xs.divisor):.1f}" y="{TOP + PLOT_H + 18}" text-anchor="middle">'
          f"{escape(_number(t))}</text>" for t in x_ticks),
        "</g>",
        f'<text class="axis-title" x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 6}" '
        f'text-anchor="middle" fill="currentColor" font-size="{FONT}">'
        f"Elapsed time ({escape(xs.unit)})</text>",
        f'<path class="axis" d="M{LEFT},{TOP}V{TOP + PLOT_H}H{LEFT + PLOT_W}" fill="none" '
        'stroke="currentColor" stroke-opacity="0.5"/>',
    ]  # fmt: skip
    if series.points:
        parts.append(_line(series.points, x, y))
    if peak is not None:
        parts.append(_peak(peak, x(peak.elapsed), y(peak.value), ys))
    parts.append("</svg>")
    return Markup("".join(parts))


def _line(points: tuple[Point, ...], x: _Axis, y: _Axis) -> str:
    coords = " ".join(f"{x(p.elapsed):.1f},{y(p.value):.1f}" for p in points)
    base = f"{x(points[-1].elapsed):.1f},{y(0):.1f} {x(points[0].elapsed):.1f},{y(0):.1f}"
    return (
        f'<polygon class="area" points="{coords} {base}" fill="currentColor" '
        'fill-opacity="0.12"/>'
        f'<polyline class="line" points="{coords}" fill="none" stroke="currentColor" '
        'stroke-width="1.5" stroke-linejoin="round"/>'
    )


def _peak(peak: Point, cx: float, cy: float, scale: Scale) -> str:
    anchor = "end" if cx > LEFT + PLOT_W * 0.7 else "start"
    dx = -6 if anchor == "end" else 6
    label = f"peak {scale.label(peak.value)} at {duration(peak.elapsed)}"
    return (
        f'<g class="peak"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="currentColor"/>'
        f'<text x="{cx + dx:.1f}" y="{max(cy - 7, FONT):.1f}" text-anchor="{anchor}" '
        f'fill="currentColor" font-size="{FONT}" font-weight="600">{escape(label)}</text></g>'
    )


def _summary(title: str, series: Series, scale: Scale, elapsed: float, samples: int) -> str:
    over = f"{title} over {duration(elapsed)} of elapsed time, {samples:,} samples"
    if series.peak is None:
        return f"{over}."
    peak = series.peak
    return f"{over}; peak {scale.label(peak.value)} at {duration(peak.elapsed)}."


def _number(value: float) -> str:
    """`2`, `2.5`, `0.25`, `1.33`: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
