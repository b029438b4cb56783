"""`runplane worker` and `serve` with the Celery executor refuse what cannot work with one
line saying what to set, exit 2, before any database is opened."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli, free_port

POSTGRES = "postgresql+psycopg://runplane:secret@127.0.0.1:1/runplane"


def test_a_worker_without_the_celery_executor_says_what_to_set(cli: Cli) -> None:
    result = cli.run("worker")
    assert result.returncode == 2
    assert "set RUNPLANE_EXECUTOR=celery" in result.stderr
    assert not (cli.home / "runplane.db").exists()


@pytest.mark.parametrize("command", [("serve",), ("worker",)])
def test_celery_with_sqlite_is_refused_and_creates_no_database(
    cli: Cli, command: tuple[str, ...]
) -> None:
    cli.env |= {"RUNPLANE_EXECUTOR": "celery", "RUNPLANE_BROKER_URL": "redis://127.0.0.1:1/0"}
    result = cli.run(*command)
    assert result.returncode == 2
    assert "RUNPLANE_EXECUTOR=celery needs PostgreSQL" in result.stderr
    assert "set RUNPLANE_DATABASE_URL=postgresql+psycopg://" in result.stderr
    assert not (cli.home / "runplane.db").exists()


@pytest.mark.parametrize("command", [("serve",), ("worker",)])
def test_celery_without_a_broker_says_to_set_one(cli: Cli, command: tuple[str, ...]) -> None:
    cli.env |= {"RUNPLANE_EXECUTOR": "celery", "RUNPLANE_DATABASE_URL": POSTGRES}
    result = cli.run(*command)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "needs a broker: set RUNPLANE_BROKER_URL=redis://HOST:6379/0"
    )


@pytest.mark.parametrize("command", [("serve",), ("worker",)])
def test_an_unreachable_broker_is_named_without_its_password(
    cli: Cli, command: tuple[str, ...]
) -> None:
    port = free_port()  # nothing listens on it once probed
    cli.env |= {
        "RUNPLANE_EXECUTOR": "celery",
        "RUNPLANE_DATABASE_URL": POSTGRES,
        "RUNPLANE_BROKER_URL": f"redis://:hunter2@127.0.0.1:{port}/0",
    }
    result = cli.run(*command)
    assert result.returncode == 2
    assert f"the broker redis://:***@127.0.0.1:{port}/0 did not answer" in result.stderr
    assert "start Redis there or fix RUNPLANE_BROKER_URL" in result.stderr
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("option", "says"),
    [
        (("--queues", "heavy,two words"), "'two words' is not a queue name"),
        (("--queues", ","), "name at least one queue"),
        (("--concurrency", "0"), "0 is not in the range 1<=x<=256"),
        (("--name", "a\tb"), "1 to 100 printable characters"),
        (("--name", "n" * 101), "1 to 100 printable characters"),
    ],
)
def test_bad_options_are_refused_with_what_a_good_one_looks_like(
    cli: Cli, option: tuple[str, str], says: str
) -> None:
    result = cli.run("worker", *option)
    assert result.returncode == 2
    assert says in result.stderr
