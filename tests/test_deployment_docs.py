"""docs/deployment.md, compose.yaml and the Dockerfile say the same thing: the services and
what they wait for, the commands each runs, the variables, the images. No image can be
pulled here, so compose.yaml is read as YAML and its one-shot commands are run with a
local SQLite database instead of PostgreSQL."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import click
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from runplane.cli.main import cli
from runplane.settings import Settings
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "deployment.md"
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
RUNPLANE_IMAGE = "runplane:local"
VARIABLE = re.compile(r"\bRUNPLANE_[A-Z0-9_]+\b")
INTERPOLATION = re.compile(r"\$\{(\w+)(:?[-?])?[^}]*\}")
CONDITIONS = {"healthy": "service_healthy", "completed": "service_completed_successfully"}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _runplane_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in _services().items() if s.get("image") == RUNPLANE_IMAGE}


def _section(title: str) -> str:
    """The page's `## title` section, up to the next one."""
    text = PAGE.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def _fences(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def _table(text: str) -> list[dict[str, str]]:
    """The first Markdown table in `text`, a dict per row keyed by the header."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        for line in lines[2:]
    ]


def _command_text(service: dict[str, Any]) -> str:
    """What a service runs, as a shell reads it: a `bash -ec` script, or its argument list."""
    command: list[str] = service["command"]
    if command[0] in ("bash", "sh") and command[1].startswith("-"):
        return str(command[2]).replace("$$", "$").strip()
    return shlex.join(command)


def _invocations(script: str) -> list[list[str]]:
    """Every `runplane ...` command line in a script, as its arguments."""
    found = re.findall(r"(?:^|[|;(])\s*(runplane [a-z][^|;)\n]*)", script, flags=re.MULTILINE)
    return [shlex.split(command, comments=True) for command in found]


def _commands_by_service() -> dict[str, str]:
    """The page's "What each service runs" block: `# name` then its lines."""
    block = _fences(_section("With Docker Compose").split("What each service runs:")[1])[0]
    commands: dict[str, list[str]] = {}
    for line in block.splitlines():
        if line.startswith("# "):
            current = commands.setdefault(line[2:].strip(), [])
        else:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in commands.items()}


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment: dict[str, str] = service.get("environment", {})
    return {key: str(value) for key, value in environment.items()}


def _url(value: str) -> SplitResult:
    """A URL in compose.yaml, with each `${NAME...}` read as `__NAME__`."""
    return urlsplit(INTERPOLATION.sub(lambda m: f"__{m[1]}__", value))


def test_compose_runs_the_services_the_page_lists_on_their_images() -> None:
    rows = {row["service"]: row for row in _table(_section("With Docker Compose"))}
    services = _services()
    assert set(rows) == set(services)
    for name, service in services.items():
        assert rows[name]["image"] == f"`{service['image']}`", name
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert set(_runplane_services()) == {"migrate", "admin", "serve", "worker", "heavy"}
    for name, service in _runplane_services().items():
        assert service["build"] == ".", name
        assert service["init"] is True, name


def test_services_wait_for_each_other_as_the_page_says() -> None:
    for row in _table(_section("With Docker Compose")):
        documented = {}
        if row["waits for"] != "–":
            for need in row["waits for"].split(", "):
                other, state = need.split(" ")
                documented[other] = {"condition": CONDITIONS[state]}
        assert _services()[row["service"]].get("depends_on", {}) == documented, row["service"]


def test_the_page_shows_exactly_what_each_service_runs() -> None:
    documented = _commands_by_service()
    assert set(documented) == set(_runplane_services())
    for name, service in _runplane_services().items():
        assert documented[name] == _command_text(service), name


def test_the_machines_run_the_commands_compose_runs() -> None:
    machines = "\n".join(_fences(_section("Several machines")))
    documented = {tuple(argv[:3]) for argv in _invocations(machines)}
    for name, service in _runplane_services().items():
        for argv in _invocations(_command_text(service)):
            if argv[1:3] == ["users", "list"]:
                continue  # the admin service's check whether a first admin is still needed
            path = tuple(argv[:3]) if argv[1] in ("db", "users") else tuple(argv[:2])
            assert any(d[: len(path)] == path for d in documented), f"{name}: {argv}"
    assert "runplane serve --host 0.0.0.0 --port 8000" in machines
    assert _command_text(_services()["serve"]) == "runplane serve --host 0.0.0.0 --port 8000"


def _cli_commands() -> list[list[str]]:
    return [
        argv
        for service in _runplane_services().values()
        for argv in _invocations(_command_text(service))
    ]


@pytest.mark.parametrize("argv", _cli_commands(), ids=shlex.join)
def test_the_cli_takes_each_command_compose_runs(argv: list[str]) -> None:
    command: click.Command = cli
    rest = argv[1:]
    while isinstance(command, click.Group):
        found = command.get_command(click.Context(command), rest[0])
        if found is None:
            pytest.skip(f"`runplane {rest[0]}` is not a command of this build yet")
        command, rest = found, rest[1:]
    command.make_context(shlex.join(argv), rest)  # raises UsageError for what it does not take


def test_every_runplane_variable_named_is_a_setting() -> None:
    fields = Settings.model_fields
    assert Settings.model_config.get("env_prefix") == "RUNPLANE_"
    for path in (PAGE, COMPOSE, DOCKERFILE, ENV_EXAMPLE):
        for name in set(VARIABLE.findall(path.read_text())):
            assert name.removeprefix("RUNPLANE_").lower() in fields, f"{path.name}: {name}"


def test_every_variable_compose_sets_is_documented_on_the_page() -> None:
    page = PAGE.read_text()
    for name, service in _runplane_services().items():
        for variable in _environment(service):
            assert f"`{variable}" in page, f"{name}: {variable}"


def test_the_settings_table_gives_the_real_defaults() -> None:
    rows = _table(_section("Settings for several machines"))
    assert len(rows) >= 10
    for row in rows:
        name = row["variable"].strip("`")
        field = Settings.model_fields[name.removeprefix("RUNPLANE_").lower()]
        literal = re.fullmatch(r"`([^`]+)`", row["default"])
        if literal is None:
            continue  # described in words: a CPU count, a file, none
        default = field.default
        if isinstance(default, int | float):
            assert float(literal[1]) == default, name
        else:
            assert literal[1] == str(default), name


def test_the_runplane_services_share_one_environment() -> None:
    services = _services()
    shared = _environment(_runplane_services()["migrate"])
    assert shared["RUNPLANE_EXECUTOR"] == "celery"
    database = _url(shared["RUNPLANE_DATABASE_URL"])
    assert database.scheme == "postgresql+psycopg"
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.path.lstrip("/") == services["postgres"]["environment"]["POSTGRES_DB"]
    assert database.username == services["postgres"]["environment"]["POSTGRES_USER"]
    broker = _url(shared["RUNPLANE_BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    for name, service in _runplane_services().items():
        environment = _environment(service)
        assert {k: environment[k] for k in shared} == shared, name


def test_secrets_come_from_the_environment_and_only_placeholders_are_committed() -> None:
    required = set()
    for name, service in _services().items():
        for variable, value in _environment(service).items():
            if "PASSWORD" in variable or "SECRET" in variable or "TOKEN" in variable:
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}: {variable}"
            password = _url(value).password if "://" in value else None
            if password is not None:
                assert re.fullmatch(r"__\w+__", password), f"{name}: {variable}"
            required |= {m[0] for m in INTERPOLATION.findall(value) if m[1] == ":?"}
    assert required == {"POSTGRES_PASSWORD", "ADMIN_PASSWORD"}
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    for variable in required:
        assert example[variable].startswith("change-me"), variable
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored, "the image takes only what .dockerignore lets in"
    assert not any(line.startswith("!.env") for line in ignored)


def test_health_checks_are_the_ones_the_page_names() -> None:
    services = _services()
    rows = {row["service"]: row["runs"] for row in _table(_section("With Docker Compose"))}
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "`pg_isready`" in rows["postgres"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "`redis-cli ping`" in rows["redis"]
    serve = services["serve"]
    probe = " ".join(serve["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/health" in probe
    assert "127.0.0.1" in _environment(serve)["RUNPLANE_ALLOWED_HOSTS"].split(",")
    assert serve["ports"] == ["8000:8000"]


def test_redis_keeps_nothing_on_disk_as_the_page_explains() -> None:
    command = _services()["redis"]["command"]
    assert command == ["redis-server", "--save", "", "--appendonly", "no"]
    assert "--save '' --appendonly no" in _section("With Docker Compose")
    assert "--save '' --appendonly no" in "\n".join(_fences(_section("Several machines")))


def test_workers_are_two_default_replicas_and_one_heavy_worker() -> None:
    services = _services()
    assert services["worker"]["deploy"]["replicas"] == 2
    rows = {row["service"]: row["runs"] for row in _table(_section("With Docker Compose"))}
    assert "2 replicas" in rows["worker"]
    heavy = services["heavy"]["command"]
    assert heavy[heavy.index("--queues") + 1] == "heavy"
    for name in ("worker", "heavy"):
        assert _environment(services[name])["RUNPLANE_DATA_DIR"] == "/data"
        assert "runplane-data:/data" in services[name]["volumes"]


def test_the_image_is_python_slim_with_the_package_installed() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.12-slim$", text, flags=re.MULTILINE)
    assert "pip install ." in text
    assert re.search(r"^USER runplane$", text, flags=re.MULTILINE)
    assert "`python:3.12-slim`" in PAGE.read_text()


def _installed_with_runplane() -> set[str]:
    """The distributions `pip install .` brings: Runplane's requirements and theirs, with the
    extras each asks for (never Runplane's own `dev`)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [("runplane", frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in seen:
            continue
        seen.add((canonicalize_name(name), extras))
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # only for another platform or Python
        for requirement in map(Requirement, requirements):
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in extras or {""}
            )
            if wanted:
                todo.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen}


def test_the_image_pip_install_brings_every_module_the_code_imports() -> None:
    imported = set()
    for path in (ROOT / "src" / "runplane").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"runplane"}
    installed = _installed_with_runplane()
    providers = metadata.packages_distributions()
    for module in sorted(third_party):
        names = {canonicalize_name(d) for d in providers.get(module, [])}
        assert names & installed, f"{module} is imported but no requirement of runplane brings it"


def test_the_readme_and_the_architecture_link_the_page() -> None:
    assert "(docs/deployment.md)" in (ROOT / "README.md").read_text()
    assert "docs/deployment.md" in (ROOT / "ARCHITECTURE.md").read_text()


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-ec", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_the_one_shot_services_migrate_and_add_the_first_admin_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPLANE_")}
    env |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "RUNPLANE_HOME": str(tmp_path),
        "ADMIN_USER": "root-admin",
        "ADMIN_PASSWORD": "correct horse battery staple",
    }
    services = _services()
    migrated = _run(_command_text(services["migrate"]), env)
    assert migrated.returncode == 0, migrated.stderr
    first = _run(_command_text(services["admin"]), env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Added root-admin (admin)"
    again = _run(_command_text(services["admin"]), env | {"ADMIN_USER": "someone-else"})
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "Users exist already; no first admin added."
    listed = _run("runplane users list", env)
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [
        ["root-admin", "admin"]
    ]
