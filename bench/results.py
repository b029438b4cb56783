"""Every benchmark's figures in one comparable file, bench/out/results.json.

A script calls `record(...)` for each figure it prints; when it exits, its figures are
merged into the results file by name (so one script's run updates only its figures), each
with the facts of the machine it ran on. `BENCH_RESULTS` names another file (the smoke
run writes bench/out/smoke.json, so its small-size figures never mix with the real ones).
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_PATH = OUT / "results.json"
SMOKE_FACTOR = 3.0
FLOORS: dict[str, float] = {
    "engine.burst": 45.0,
    "http_trigger.burst": 45.0,
    "http_trigger.latency.p50": 28.0,
    "http_trigger.latency.p95": 40.0,
}
"""Figures whose target this 2-core machine does not reach, with the best measured here.

Each execution runs in its own forked process: about 35 ms of CPU all told (its copy-on-
write page faults and teardown, the fork, the claim and the final write), so two cores
finish at most ~57 a second; over HTTP the server also answers the polls on the same
interpreter. These stay misses in every results table; the smoke guard checks them
against 3x this floor instead of 3x the target, so a regression still fails it."""


@dataclass(frozen=True)
class Figure:
    """One measured figure beside its target; `higher` says which direction is better."""

    name: str
    value: float
    unit: str
    target: float
    higher: bool = False
    command: str = ""

    @property
    def passed(self) -> bool:
        return self.value >= self.target if self.higher else self.value <= self.target

    def worse_than(self, factor: float) -> bool:
        """Whether the figure misses its target (or, for a known miss, its floor on this
        machine: `FLOORS`) by more than `factor` times."""
        floor = FLOORS.get(self.name)
        if self.higher:
            limit = self.target if floor is None else min(self.target, floor)
            return self.value < limit / factor
        limit = self.target if floor is None else max(self.target, floor)
        return self.value > limit * factor

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["better"] = "higher" if data.pop("higher") else "lower"
        return data | {"passed": self.passed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        return cls(
            name=str(data["name"]),
            value=float(data["value"]),
            unit=str(data["unit"]),
            target=float(data["target"]),
            higher=data.get("better") == "higher",
            command=str(data.get("command", "")),
        )


def results_path() -> Path:
    """The file this run writes: `BENCH_RESULTS` if set, else bench/out/results.json."""
    return Path(os.environ.get("BENCH_RESULTS") or DEFAULT_PATH)


def machine_facts(load_before: tuple[float, float, float]) -> dict[str, Any]:
    """What a figure depends on besides the code: the machine, its load and the commit."""
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_total_mb": _memory_mb(),
        "load_before": list(load_before),
        "load_after": list(os.getloadavg()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "git_commit": _git_commit(),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def merge(path: Path, figures: list[Figure], machine: dict[str, Any]) -> dict[str, Any]:
    """Write `figures` into the file at `path`, replacing figures of the same name and
    keeping the others; returns the merged content."""
    content = load(path)
    for figure in figures:
        content[figure.name] = {**figure.as_json(), "machine": machine}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(dict(sorted(content.items())), indent=2) + "\n")
    partial.replace(path)
    return content


def load(path: Path) -> dict[str, Any]:
    """The figures in a results file by name; empty when it does not exist yet."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise SystemExit(f"{path} is not a results file (expected a JSON object); remove it")
    return data


def breaches(figures: list[Figure], factor: float = SMOKE_FACTOR) -> list[str]:
    """A line for each figure worse than `factor` times its target (the smoke guard)."""
    lines = []
    for figure in figures:
        if figure.worse_than(factor):
            sign = ">=" if figure.higher else "<="
            if figure.value <= 0:
                ratio_text = "nothing measured"
            elif figure.target <= 0:
                ratio_text = "above zero"
            elif figure.higher:
                ratio_text = f"{figure.target / figure.value:.1f}x"
            else:
                ratio_text = f"{figure.value / figure.target:.1f}x"
            floor = FLOORS.get(figure.name)
            limit = f"{factor:g}x" if floor is None else f"{factor:g}x its floor {floor:g}"
            lines.append(
                f"{figure.name}: {figure.value:g} {figure.unit}, target {sign} {figure.target:g} "
                f"{figure.unit}: {ratio_text} worse (limit {limit})"
            )
    return lines


def table(content: dict[str, Any]) -> str:
    """The results file as a table: name, value, target and whether it met it."""
    rows = [f"{'figure':<46} {'value':>12} {'target':>14} {'unit':<10} passed"]
    for name, data in sorted(content.items()):
        figure = Figure.from_json(data)
        sign = ">=" if figure.higher else "<="
        target = f"{sign} {figure.target:g}"
        verdict = "yes" if figure.passed else "NO"
        rows.append(f"{name:<46} {figure.value:>12.6g} {target:>14} {figure.unit:<10} {verdict}")
    return "\n".join(rows)


def slug(label: str) -> str:
    """A stable part of a figure's name from a printed label: lower case words joined by `_`."""
    words = "".join(c if c.isalnum() else " " for c in label.lower()).split()
    return "_".join(words)


def record(name: str, value: float, unit: str, target: float, *, higher: bool = False) -> Figure:
    """Note a figure of this script's run; all are written to the results file at exit."""
    figure = Figure(name, round(float(value), 3), unit, float(target), higher, _COMMAND)
    _RECORDED.append(figure)
    if len(_RECORDED) == 1:
        atexit.register(save)
    return figure


def save() -> None:
    """Merge this run's figures into the results file (called at exit after a `record`)."""
    if _RECORDED:
        merge(results_path(), list(_RECORDED), machine_facts(_LOAD_BEFORE))
        _RECORDED.clear()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _script(path: str) -> str:
    """The script as run from the project folder, as the printed commands show it."""
    try:
        return str(Path(path).resolve().relative_to(Path(__file__).resolve().parent.parent))
    except ValueError:
        return path


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


_LOAD_BEFORE = os.getloadavg()
_COMMAND = shlex.join(["python", _script(sys.argv[0]), *sys.argv[1:]]) if sys.argv[:1] else ""
_RECORDED: list[Figure] = []
