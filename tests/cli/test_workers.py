"""`runplane workers list`: a real serve's worker row in a table and as JSON, locally and
through RUNPLANE_URL, and the broker's queues with a Celery executor."""

from __future__ import annotations

import json
import subprocess

import redis

from tests.cli.conftest import Cli, Modes


def test_lists_a_serving_worker_in_a_table_and_as_json(
    cli: Cli, server: tuple[subprocess.Popen[str], int]
) -> None:
    process, _ = server
    listed = cli.run("workers", "list")
    assert listed.returncode == 0, listed.stderr
    head, *rows = listed.stdout.splitlines()
    assert head.split() == ["NAME/ID", "KIND", "HOST", "PID", "QUEUES", "BUSY/CONCURRENCY",
                            "HEARTBEAT"]  # fmt: skip
    [row] = [r.split() for r in rows if f" {process.pid} " in r]
    assert row[1] == "serve"
    assert row[4:] == ["—", "0/2", row[6], "ago"]
    assert row[6].endswith("s")

    body = cli.json("workers", "list")
    assert isinstance(body, dict)
    [worker] = body["workers"]
    assert (worker["pid"], worker["kind"], worker["concurrency"]) == (process.pid, "serve", 2)
    assert body["broker"] is None


def test_without_workers_it_says_how_to_start_one(cli: Cli) -> None:
    listed = cli.run("workers", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "No live workers: start `runplane serve` (or `runplane worker`)\n"


def test_says_the_same_locally_and_through_the_server(modes: Modes) -> None:
    local = modes.local.json("workers", "list")
    remote = modes.remote.json("workers", "list")
    assert isinstance(local, dict)
    assert isinstance(remote, dict)
    assert [w["worker_id"] for w in remote["workers"]] == [w["worker_id"] for w in local["workers"]]
    assert [w["kind"] for w in remote["workers"]] == ["serve"]
    table = modes.remote.run("workers", "list")
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("NAME/ID")


def test_with_celery_it_shows_the_queue_depths(cli: Cli, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete("default")
    client.lpush("default", *[f"m{i}" for i in range(1200)])
    client.close()
    cli.env |= {"RUNPLANE_EXECUTOR": "celery", "RUNPLANE_BROKER_URL": redis_url}

    listed = cli.run("workers", "list")

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[-1] == (
        f"Broker {redis_url}: waiting in queues: default 1,200"
    )
    body = json.loads(cli.run("workers", "list", "--json").stdout)
    assert body["broker"]["queue_depths"] == {"default": 1200}


def test_an_unreachable_broker_is_said_without_its_password(cli: Cli) -> None:
    cli.env |= {"RUNPLANE_EXECUTOR": "celery", "RUNPLANE_BROKER_URL": "redis://:pw-s3cret@127.0.0.1:9/0"}  # fmt: skip

    listed = cli.run("workers", "list")

    assert listed.returncode == 0, listed.stderr
    last = listed.stdout.splitlines()[-1]
    assert last.startswith(
        "Broker unreachable: the broker redis://:***@127.0.0.1:9/0 did not answer"
    )
    assert "pw-s3cret" not in listed.stdout + listed.stderr
