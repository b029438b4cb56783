"""A database folder that is read-only at start: `serve`, `executions list` and `run` each
exit 2 with one line saying what is wrong and what to do, never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, cli
from tests.support.disks import made_read_only, mountable, read_only_folder, small_disk

pytestmark = pytest.mark.slow
__all__ = ["cli"]  # the CLI tests' fixture, used here too

COMMANDS = [("serve", "--port", "0"), ("executions", "list"), ("run", "runplane.noop")]


def one_line_errors(cli: Cli) -> list[subprocess.CompletedProcess[str]]:
    return [cli.run_process(*command, timeout=60) for command in COMMANDS]


@pytest.fixture
def root() -> None:
    if not mountable():  # as root, only a read-only mount is read-only
        pytest.skip("no read-only folder can be mounted here")


def test_an_empty_read_only_folder(cli: Cli, tmp_path: Path, root: None) -> None:
    with read_only_folder(tmp_path / "ro") as folder:
        cli.env["RUNPLANE_DATABASE_URL"] = f"sqlite:///{folder / 'runplane.db'}"
        results = one_line_errors(cli)
    for command, result in zip(COMMANDS, results, strict=True):
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (command, result.stderr)
        assert "cannot be opened for writing (Read-only file system)" in lines[0]
        assert "RUNPLANE_DATABASE_URL" in lines[0]


def test_a_database_whose_folder_became_read_only(cli: Cli, tmp_path: Path, root: None) -> None:
    with small_disk(tmp_path / "disk", size_mb=8) as disk:
        cli.env["RUNPLANE_DATABASE_URL"] = f"sqlite:///{disk.folder / 'runplane.db'}"
        assert cli.run("db", "upgrade").returncode == 0
        with made_read_only(disk):
            results = one_line_errors(cli)
    for command, result in zip(COMMANDS, results, strict=True):
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, (command, result.stderr)
