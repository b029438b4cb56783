"""A single-threaded fork server: one warm interpreter that forks a process per execution.

The executor starts it once (`python -m runplane.engine.executors.forkserver`), after
which starting an execution costs a fork instead of a fresh interpreter. The two talk
over a Unix SOCK_SEQPACKET socket, one message per packet:

    executor -> server   {"spawn": "<execution id>"}  + the child's lifeline socket (SCM_RIGHTS)
    server -> executor   {"spawned": "<execution id>", "pid": 4242}
    server -> executor   {"exited": 4242, "code": 0, "cpu": 0.12, "rss": 31457280}
                         (code negative: killed by that signal; cpu seconds and peak RSS
                         bytes from the rusage of the waited child)

The server keeps one spare child forked ahead of need: it has already opened its database
connection and read once (a fresh connection after a fork costs several milliseconds), and
waits for its execution id. A spawn hands the id to the spare, answers with its pid, then
forks the next spare, so a run starts without waiting for a fork or a connection.

The server exits when the executor's end of the socket closes; a spare exits when the
server does, and each child exits when its lifeline closes, so nothing outlives a killed
executor.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import traceback
from collections import deque
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from runplane.model.cost import ExitUsage

if TYPE_CHECKING:
    from runplane.settings import Settings
    from runplane.store import Database

_PACKET = 65536
START_TIMEOUT = 60.0
"""Seconds a starting fork server may take to import everything and say it is ready."""


class ForkServer:
    """The executor's handle on its fork server process."""

    def __init__(self, settings_json: str) -> None:
        self._settings_json = settings_json
        self._sock: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._exits: deque[tuple[int, int, ExitUsage | None]] = deque()
        self._gone = False

    def start(self) -> None:
        """Start the server and wait until it has imported everything (about a second)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "runplane.engine.executors.forkserver", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        try:
            ours.settimeout(START_TIMEOUT)
            ours.sendall(json.dumps({"settings": self._settings_json}).encode())
            ready = json.loads(ours.recv(_PACKET) or b"{}")
        except OSError:
            ready = {}
        if not ready.get("ready"):
            ours.close()
            try:
                self._process.wait(timeout=5)
                reason = self.exit_reason()
            except subprocess.TimeoutExpired:  # alive but silent: a hung import
                self._process.kill()
                self._process.wait()
                reason = f"was not ready within {START_TIMEOUT:.0f} s"
            raise RuntimeError(f"the fork server failed to start ({reason}); see its errors above")
        ours.settimeout(None)
        self._sock = ours

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def alive(self) -> bool:
        """Its process has not exited (a cheap poll, no message exchanged)."""
        if self._gone or self._sock is None or self._process is None:
            return False
        return self._process.poll() is None

    def exit_reason(self) -> str:
        """How its process ended, once it has: "was killed by SIGKILL", "exited with code 1"."""
        if self._process is None:
            return "never started"
        try:
            code = self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        if code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"exited with code {code}"

    def fileno(self) -> int:
        """Readable when exit notices arrive; for the executor's `wait`."""
        assert self._sock is not None, "start() the fork server first"
        return self._sock.fileno()

    def spawn(self, execution_id: str, lifeline: socket.socket) -> int:
        """Fork a child running `execution_id`, handing it `lifeline`; returns its pid."""
        assert self._sock is not None, "start() the fork server first"
        with self._lock:
            request = json.dumps({"spawn": execution_id}).encode()
            socket.send_fds(self._sock, [request], [lifeline.fileno()])
            while True:
                message = self._receive()
                if message.get("spawned") == execution_id:
                    return int(message["pid"])

    def exits(self) -> list[tuple[int, int, ExitUsage | None]]:
        """Exit notices `(pid, code, usage)` received since the last call (non-blocking);
        after the server went away, those it sent before (and `alive()` turns False)."""
        assert self._sock is not None
        with self._lock:
            try:
                while select.select([self._sock], [], [], 0)[0]:
                    self._receive()
            except ConnectionError:
                self._gone = True  # the notices it sent before it went are kept
            exits = list(self._exits)
            self._exits.clear()
        return exits

    def stop(self) -> None:
        """Close its socket (it exits when it sees that) and wait for it, killing it if slow."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _receive(self) -> dict[str, Any]:
        assert self._sock is not None
        data = self._sock.recv(_PACKET)
        if not data:
            raise ConnectionError("the fork server exited")
        message: dict[str, Any] = json.loads(data)
        if "exited" in message:
            usage = None
            if "cpu" in message:
                usage = ExitUsage(float(message["cpu"]), int(message["rss"]))
            self._exits.append((int(message["exited"]), int(message["code"]), usage))
        return message


def serve(sock: socket.socket) -> None:
    """The server loop: fork on request, report exits, stop when the executor goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the executor to handle
    from runplane.engine.executors import preload
    from runplane.settings import Settings

    settings = Settings.model_validate_json(json.loads(sock.recv(_PACKET))["settings"])
    db = preload.prepare(settings)
    gc.collect()
    gc.freeze()  # keep the warm heap out of the children's collections (copy-on-write)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sock.sendall(json.dumps({"ready": True}).encode())

    def fork_spare() -> _Spare:
        return _Spare.fork(settings, db, close=[sock.fileno(), wake_r, wake_w])

    spare = fork_spare()
    while True:
        readable, _, _ = select.select([sock.fileno(), wake_r], [], [])
        if wake_r in readable:
            os.read(wake_r, 4096)
            if _report_exits(sock, spare=spare.pid):
                spare.discard()  # killed while it waited: the next spawn forks one
        if sock.fileno() in readable:
            try:
                data, fds, _flags, _addr = socket.recv_fds(sock, _PACKET, 1)
            except ConnectionError:
                return  # the executor is gone
            if not data:
                return
            execution_id = json.loads(data)["spawn"]
            if not spare.hand(execution_id, fds):
                spare = fork_spare()  # none waiting (or it just died): this one runs it
                spare.hand(execution_id, fds)
            for fd in fds:
                os.close(fd)
            sock.sendall(json.dumps({"spawned": execution_id, "pid": spare.pid}).encode())
            spare = fork_spare()


class _Spare:
    """A child forked ahead of need, waiting on its own socket for the execution it runs."""

    def __init__(self, pid: int, sock: socket.socket | None) -> None:
        self.pid = pid
        self._sock = sock

    @classmethod
    def fork(cls, settings: Settings, db: Database, *, close: list[int]) -> _Spare:
        """Fork it; `close` are the server's descriptors, which no child may hold open."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            ours.close()
            for fd in close:
                os.close(fd)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _wait_for_work(theirs, settings, db)
            finally:
                os._exit(1)  # a child never returns into the server's loop
        theirs.close()
        return cls(pid, ours)

    def hand(self, execution_id: str, fds: list[int]) -> bool:
        """Give it its execution and lifeline; False if it is gone (or already used)."""
        if self._sock is None:
            return False
        try:
            socket.send_fds(self._sock, [json.dumps({"run": execution_id}).encode()], fds)
            return True
        except OSError:
            return False
        finally:
            self.discard()

    def discard(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _wait_for_work(assignments: socket.socket, settings: Settings, db: Database) -> None:
    """A spare's life: connect, wait for its execution, run it; exit when the server goes."""
    from runplane.engine.running.runner import connect

    connect(db)
    try:
        data, fds, _flags, _addr = socket.recv_fds(assignments, _PACKET, 1)
    except OSError:
        data = b""
    if not data:  # the server exited before it needed this spare
        os._exit(0)
    assignments.close()
    _run_child(json.loads(data)["run"], fds[0], settings, db)


def _report_exits(sock: socket.socket, *, spare: int) -> bool:
    """Tell the executor which children exited; True if the waiting spare was one (it
    never ran an execution, so the executor is not told)."""
    from runplane.engine.accounting import waited_usage

    spare_exited = False
    while True:
        try:
            pid, status, rusage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return spare_exited
        if pid == 0:
            return spare_exited
        if pid == spare:
            spare_exited = True
            continue
        code = os.waitstatus_to_exitcode(status)
        usage = waited_usage(rusage)
        notice = {
            "exited": pid, "code": code, "cpu": usage.cpu_seconds, "rss": usage.peak_rss_bytes,
        }  # fmt: skip
        sock.sendall(json.dumps(notice).encode())


def _run_child(execution_id: str, lifeline_fd: int, settings: Settings, db: Database) -> None:
    from runplane.engine.running.link import Lifeline
    from runplane.engine.running.runner import child_main

    code = 1
    try:
        code = child_main(execution_id, Lifeline(Connection(lifeline_fd)), settings, db)
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
