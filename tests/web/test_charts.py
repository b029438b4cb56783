"""The SVG resource charts: well-formed XML for one sample and for 100,000, no script or
`style` attribute (the CSP forbids both), round ticks with units, the peak marked, and a
title and description a screen reader can use."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from runplane.views.resources import Point, Series
from runplane.web.charts import nice_ticks, resource_chart, time_scale

SVG = "{http://www.w3.org/2000/svg}"


def _series(name: str, unit: str, values: list[float], every: float = 1.0) -> Series:
    points = tuple(Point(i * every, v) for i, v in enumerate(values))
    top = max(points, key=lambda p: p.value) if points else None
    return Series(name, unit, points, top)


def _parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{SVG}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("count", [1, 100_000])
def test_the_chart_is_well_formed_svg_without_script_or_style(count: int) -> None:
    values = [float(i % 50) for i in range(count)]
    root = _parse(resource_chart(_series("cpu", "percent", values), float(count), samples=count))
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert not any(name.startswith("on") for name in element.attrib), element.attrib
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
    assert root.attrib["role"] == "img"


def test_cpu_ticks_are_round_percentages_and_the_peak_is_labelled() -> None:
    root = _parse(resource_chart(_series("cpu", "percent", [5.0, 87.25, 40.0]), 3.0, samples=3))
    texts = _texts(root)
    assert texts[:5] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert "Elapsed time (s)" in texts
    assert "peak 87.25 % at 1.0s" in texts
    peak = root.find(f"{SVG}g[@class='peak']/{SVG}circle")
    assert peak is not None


def test_memory_reads_in_megabytes_or_gigabytes_by_its_peak() -> None:
    small = _texts(_parse(resource_chart(_series("memory", "bytes", [3e8, 2e8]), 2, samples=2)))
    large = _texts(_parse(resource_chart(_series("memory", "bytes", [3.5e9, 1e9]), 2, samples=2)))
    assert small[:4] == ["0 MB", "100 MB", "200 MB", "300 MB"]
    assert "peak 300 MB at 0.0s" in small
    assert large[:5] == ["0 GB", "1 GB", "2 GB", "3 GB", "4 GB"]
    assert "peak 3.5 GB at 0.0s" in large


def test_the_time_axis_reads_in_seconds_minutes_or_hours_of_elapsed_time() -> None:
    assert [time_scale(s).unit for s in (30, 600, 36_000)] == ["s", "min", "h"]
    texts = _texts(_parse(resource_chart(_series("cpu", "percent", [1.0], 1), 300, samples=1)))
    assert "Elapsed time (min)" in texts
    assert {"0", "2", "4"} <= set(texts)


def test_title_and_description_summarise_peak_duration_and_samples() -> None:
    root = _parse(
        resource_chart(_series("memory", "bytes", [1e6, 5e8], every=60), 125.0, samples=2)
    )
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.text == "Memory (RSS)"
    assert desc.text == "Memory (RSS) over 2m 5s of elapsed time, 2 samples; peak 500 MB at 1m 0s."
    labelled = root.attrib["aria-labelledby"].split()
    assert labelled == [title.attrib["id"], desc.attrib["id"]]


def test_text_is_escaped() -> None:
    markup = resource_chart(_series("<b>&", "percent", [1.0]), 1.0, samples=1)
    assert "<b>" not in markup
    _parse(markup)


def test_a_series_without_points_draws_empty_axes() -> None:
    root = _parse(resource_chart(Series("cpu", "percent", (), None), 0.0, samples=0))
    assert root.find(f"{SVG}polyline") is None
    assert root.find(f"{SVG}g[@class='peak']") is None


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (87, [0, 25, 50, 75, 100]),
        (170, [0, 50, 100, 150, 200]),
        (100, [0, 25, 50, 75, 100]),
        (3.2, [0, 1, 2, 3, 4]),
        (0.3, [0, 0.1, 0.2, 0.3]),
        (0, [0, 1]),
    ],
)
def test_ticks_are_round_and_reach_the_top(top: float, ticks: list[float]) -> None:
    assert nice_ticks(top) == ticks
