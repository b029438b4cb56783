"""`runplane db check`: schema, size, integrity and orphans; exit 1 when not sound."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def test_a_fresh_database_is_sound(cli: Cli) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    result = cli.run("db", "check")
    assert result.returncode == 0, result.stderr
    assert "Integrity  ok" in result.stdout
    report = cli.json("db", "check")
    assert isinstance(report, dict)
    assert report["sound"] is True
    assert report["size_bytes"] > 0
    assert report["revision"] == report["head"]


def test_a_damaged_file_is_reported_in_one_line_and_exits_1(cli: Cli) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    assert cli.run("run", "runplane.noop").returncode == 0
    path = cli.home / "runplane.db"
    assert cli.run("db", "check").returncode == 0  # checkpointed into the file
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data), 4096):  # every page after the first two
        data[offset + 8 : offset + 40] = b"\xff" * 32
    path.write_bytes(bytes(data))
    for name in ("-wal", "-shm"):
        (cli.home / f"runplane.db{name}").unlink(missing_ok=True)
    result = cli.run_process("db", "check")  # no connection of an earlier command open
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    output = (result.stdout + result.stderr).strip()
    assert "malformed" in output or "Integrity" in output
    if result.returncode == 1:
        assert json.loads(cli.run_process("db", "check", "--json").stdout)["sound"] is False
