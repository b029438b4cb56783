"""The database file removed while serving: /health says down naming the file (and how to
copy it back from the process that still holds it), writes answer 503 instead of landing
on the removed file, no run is started only to fail, and once the file is back everything
answers again."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from runplane.store import executions as store
from tests.conftest import wait_until
from tests.faults.conftest import (
    Serve,
    assert_settled,
    seconds_since,
    status_of,
    submit,
    tracebacks,
    wait_final,
)

pytestmark = pytest.mark.slow


def test_a_removed_file_is_said_refused_and_recovered_by_copying_it_back(serve: Serve) -> None:
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    assert db.path is not None
    with serve.client() as client:
        before = submit(client, "runplane.noop")
        assert wait_final(db, before).status is ExecutionStatus.COMPLETED
        db.path.unlink()
        wait_until(lambda: serve.health()[0] == 503, timeout=10, what="/health to say down")
        health = serve.health()[1]
        assert health["status"] == "down"
        assert f"{db.path} was removed" in health["message"]
        refused = client.post("/v1/pipelines/runplane.noop/run")
        assert refused.status_code == 503
        assert refused.json()["type"] == "urn:runplane:problem:database-unavailable"
        assert not db.path.exists()  # nobody quietly made a new, empty one
        copy = re.search(r"`cp (/proc/\d+/fd/\d+) ", health["message"])
        assert copy is not None, health["message"]
        restored = time.monotonic()
        shutil.copyfile(copy.group(1), db.path)  # what the message tells an operator to do
        wait_until(lambda: serve.health()[0] == 200, timeout=20, what="/health to recover")
        recovered = seconds_since(restored)
        after = submit(client, "runplane.noop")
        assert wait_final(db, after).status is ExecutionStatus.COMPLETED
    print(f"database file removed: answering again {recovered} s after it was copied back")
    with db.read() as conn:
        assert store.find_execution(conn, before) is not None  # the data came back with it
    assert status_of(db, after).error is None
    assert "before it recorded a result" not in serve.text()
    assert tracebacks(serve) == 0
    assert_settled(db, [before, after])
    db.dispose()
