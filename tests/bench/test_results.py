"""The benchmark results file: merging by name, pass/fail per direction, the smoke guard."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_results", BENCH / "results.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


results = _load()
Figure = results.Figure
MACHINE = {"cpu_count": 2, "timestamp": "2026-12-01T00:00:00+00:00"}


def test_merging_replaces_figures_of_the_same_name_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "out" / "results.json"
    results.merge(
        path, [Figure("a.p50", 5.0, "ms", 6.0), Figure("b.burst", 100, "per_s", 300, True)], MACHINE
    )
    results.merge(path, [Figure("a.p50", 7.5, "ms", 6.0)], {**MACHINE, "cpu_count": 4})

    content = json.loads(path.read_text())
    assert sorted(content) == ["a.p50", "b.burst"]
    assert content["a.p50"] == {
        "name": "a.p50",
        "value": 7.5,
        "unit": "ms",
        "target": 6.0,
        "command": "",
        "better": "lower",
        "passed": False,
        "machine": {**MACHINE, "cpu_count": 4},
    }
    assert content["b.burst"]["better"] == "higher"
    assert content["b.burst"]["machine"]["cpu_count"] == 2
    assert Figure.from_json(content["b.burst"]) == Figure("b.burst", 100, "per_s", 300, True)


def test_a_figure_passes_at_its_target_in_either_direction() -> None:
    assert Figure("p50", 6.0, "ms", 6.0).passed
    assert not Figure("p50", 6.01, "ms", 6.0).passed
    assert Figure("burst", 300, "per_s", 300, higher=True).passed
    assert not Figure("burst", 299.9, "per_s", 300, higher=True).passed


def test_the_smoke_guard_trips_only_beyond_three_times_the_target() -> None:
    figures = [
        Figure("slow.ok", 18.0, "ms", 6.0),
        Figure("slow.bad", 18.1, "ms", 6.0),
        Figure("rate.ok", 100.0, "per_s", 300, higher=True),
        Figure("rate.bad", 99.0, "per_s", 300, higher=True),
        Figure("rate.zero", 0.0, "per_s", 300, higher=True),
    ]

    lines = results.breaches(figures)

    assert [line.split(":")[0] for line in lines] == ["slow.bad", "rate.bad", "rate.zero"]
    assert "3.0x worse" in lines[0]
    assert "3.0x worse" in lines[1]
    assert "nothing measured" in lines[2]


def test_a_known_miss_is_guarded_against_three_times_its_floor_on_this_machine() -> None:
    floor = results.FLOORS["engine.burst"]
    figures = [
        Figure("engine.burst", floor / 3 + 0.1, "per_s", 300, higher=True),
        Figure(
            "http_trigger.latency.p50", results.FLOORS["http_trigger.latency.p50"] * 3.1, "ms", 10
        ),
    ]

    lines = results.breaches(figures)

    assert [line.split(":")[0] for line in lines] == ["http_trigger.latency.p50"]
    assert "its floor" in lines[0]
    assert not figures[0].passed  # still a miss in every table


def test_a_script_s_figures_land_in_the_file_named_by_bench_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "smoke.json"
    monkeypatch.setenv("BENCH_RESULTS", str(path))
    path.write_text(json.dumps({"other.figure": Figure("other.figure", 1, "MB", 2).as_json()}))

    results.record("engine.latency.p50", 4.25, "ms", 6.0)
    results.record("engine.burst", 120.0, "per_s", 300.0, higher=True)
    results.save()

    content = json.loads(path.read_text())
    assert sorted(content) == ["engine.burst", "engine.latency.p50", "other.figure"]
    assert content["engine.latency.p50"]["passed"] is True
    assert content["engine.burst"]["passed"] is False
    machine = content["engine.burst"]["machine"]
    assert machine["cpu_count"] >= 1
    assert len(machine["load_before"]) == 3
    assert machine["sqlite"]
    assert machine["python"].count(".") == 2
    assert "engine.latency.p50" in results.table(content)


def test_a_results_file_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("[]")

    with pytest.raises(SystemExit, match="remove it"):
        results.merge(path, [Figure("a", 1, "ms", 2)], MACHINE)


def test_a_printed_label_becomes_a_stable_name() -> None:
    assert results.slug("list: default view (24 h)") == "list_default_view_24_h"
    assert results.slug("detail: 100,000-line log, logs tab") == "detail_100_000_line_log_logs_tab"
