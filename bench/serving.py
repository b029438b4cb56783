"""Start `runplane serve` on a benchmark database, as the HTTP benchmarks measure it."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int, *, wait: bool = True) -> subprocess.Popen[bytes]:
    """A server on `url` with a clean `RUNPLANE_*` environment; by default once `/health`
    answers 200."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPLANE_")}
    env["RUNPLANE_DATABASE_URL"] = url
    env["RUNPLANE_WORKER_TIMEOUT"] = "864000"  # the seeded running rows' worker stays live
    runplane = str(Path(sys.executable).with_name("runplane"))
    process = subprocess.Popen(
        [runplane, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while wait and time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    if not wait:
        return process
    process.kill()
    raise SystemExit("runplane serve did not answer within 60 s")
