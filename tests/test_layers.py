"""The layers of ARCHITECTURE.md import downwards only, read models never write, and no
module grows past the size where it should be split by concept."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "runplane"
MAX_LINES = 400

MAY_NOT_IMPORT = {
    "model": ("pipelines", "store", "engine", "views", "api", "web", "cli", "server", "domains"),
    "pipelines": ("store", "engine", "views", "api", "web", "cli", "server"),
    "store": ("engine", "views", "api", "web", "cli", "server", "pipelines"),
    "engine": ("views", "api", "web", "cli", "server"),
    "views": ("api", "web", "cli", "server"),
    "api": ("web", "cli", "server"),
    "web": ("api", "cli", "server"),
    "cli": ("api", "web"),
}
VIEWS_MAY_USE_FROM_ENGINE = (
    "engine.executors.base",
    "engine.serving.facts",
    "engine.scheduling.timetable",
)
"""Read models see the engine's interfaces and pure timetables, never code that writes."""


def _modules(layer: str) -> list[Path]:
    return sorted((SRC / layer).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name.removeprefix("runplane.") for name in found if name.startswith("runplane.")}


@pytest.mark.parametrize("layer", sorted(MAY_NOT_IMPORT))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules(layer)
        for name in sorted(_imports(path))
        if name.split(".")[0] in MAY_NOT_IMPORT[layer]
    ]
    assert not wrong, "\n".join(wrong)


def test_read_models_neither_write_nor_use_the_engine_beyond_its_interfaces() -> None:
    wrong = []
    for path in _modules("views"):
        text = path.read_text()
        if ".write(" in text:
            wrong.append(f"{path.relative_to(SRC)} opens a write transaction")
        for name in _imports(path):
            if name.startswith("engine") and not name.startswith(VIEWS_MAY_USE_FROM_ENGINE):
                wrong.append(f"{path.relative_to(SRC)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_no_module_is_past_the_size_to_split_it() -> None:
    big = [
        f"{path.relative_to(SRC)}: {lines} lines"
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
        and (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not big, "split these by concept:\n" + "\n".join(big)
