"""The layers of ARCHITECTURE.md import downwards only, the core imports no data domain and
names none, read models never write, and no module grows past the size where it should be
split by concept."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "runplane"
MAX_LINES = 400

LAYERS = (
    "model", "pipelines", "store", "engine", "views", "api", "web", "access", "cli", "server",
)  # fmt: skip
MAY_NOT_IMPORT = {
    "plugins": (*LAYERS, "settings", "tiers", "identity", "domains"),
    "model": ("pipelines", "store", "engine", "views", "api", "web", "cli", "server", "domains"),
    "pipelines": ("store", "engine", "views", "api", "web", "cli", "server", "domains"),
    "store": ("engine", "views", "api", "web", "cli", "server", "pipelines", "domains"),
    "engine": ("views", "api", "web", "cli", "server", "domains"),
    "views": ("api", "web", "access", "cli", "server", "domains"),
    "api": ("web", "access", "cli", "server", "domains"),
    "web": ("api", "access", "cli", "server", "domains"),
    "access": ("cli", "server", "domains"),
    "cli": ("api", "web", "access", "domains"),
    "server": ("cli", "domains"),
    "domains": ("cli", "server"),
}
"""What each part may not import. The front door (`access`) sits with the server, above
the API and the dashboard it guards. The core knows a data domain only as a `plugins.Domain`
that an entry point (or a setting) hands it; a domain may use any layer of the core."""
VIEWS_MAY_USE_FROM_ENGINE = (
    "engine.executors.base",
    "engine.serving.facts",
    "engine.scheduling.timetable",
    "engine.distributed.broker",
)
"""Read models see the engine's interfaces, pure timetables and what is read of the broker
(queue depths), never code that writes."""


def _modules(layer: str) -> list[Path]:
    module = SRC / f"{layer}.py"
    return [module] if module.exists() else sorted((SRC / layer).rglob("*.py"))


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


def test_a_domain_reaches_the_cores_tables_only_through_store_functions() -> None:
    wrong = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules("domains")
        for name in sorted(_imports(path))
        if name.startswith("store.tables")
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


DOMAIN_WORDS = re.compile(r"finra|otc|nms_tier|week_ending|lastupdatedate", re.IGNORECASE)
"""FINRA's vocabulary: its name, its tiers, its week parameter and the file column it
comes from. None of it belongs in the core."""
PUBLISHED = {
    (
        "api/schedules.py",
        'NamePath = Annotated[str, Path(description="A schedule name, e.g. finra-weekly.")]',
    ),
    (
        "api/schemas/schedules.py",
        'description="As saved, with templates such as {{ last_week_ending }} unfilled."',
    ),
    (
        "api/schemas/schedules.py",
        'description="String values may use {{ last_week_ending }}, {{ today }}, {{ yesterday }}.",',
    ),
}
"""Lines of the schedules API that the published OpenAPI document carries word for word
(tests/contract holds it byte for byte): its examples name FINRA's schedule, until the
document changes on purpose."""


def test_the_core_names_no_data_domain() -> None:
    found = []
    for path in sorted(SRC.rglob("*")):
        relative = path.relative_to(SRC)
        if relative.parts[0] == "domains" or not path.is_file() or "__pycache__" in relative.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if DOMAIN_WORDS.search(line) and (str(relative), line.strip()) not in PUBLISHED:
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "the core names a data domain:\n" + "\n".join(found)


def test_the_published_lines_allowed_are_still_there() -> None:
    for relative, line in PUBLISHED:
        assert line in [text.strip() for text in (SRC / relative).read_text().splitlines()]
