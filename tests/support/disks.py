"""Real disks for storage faults: a small tmpfs that can be filled and freed, and a folder
mounted read-only. Both need a mount (root, outside a locked-down container: CI's Debian
machine); where `mountable()` is False, the full-disk tests fall back to SQLite's
`max_page_count` and the others are skipped, saying why."""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.exc import OperationalError

from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store
from tests.factories import make_execution


def fill_capped(db: Database) -> None:
    """Write log lines until a page-capped SQLite file (`max_page_count`) refuses more."""
    with db.write() as conn:
        execution = make_execution(conn)
    seq = 0
    while True:
        lines = [
            LogLine(execution.execution_id, seq + i, execution.created_at, "INFO", "x" * 500)
            for i in range(1, 201)
        ]
        try:
            with db.write() as conn:
                log_store.insert_log_lines(conn, lines)
        except OperationalError:
            return
        seq += 200


@functools.cache
def mountable() -> bool:
    """Whether this process may mount a tmpfs (root, and a kernel or container that lets
    it): tried once, on a folder of its own."""
    if os.geteuid() != 0:
        return False
    folder = Path(tempfile.mkdtemp(prefix="runplane-mount-"))
    try:
        tried = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        if tried.returncode != 0:
            return False
        _unmount(folder)
        return True
    except OSError:  # no mount command
        return False
    finally:
        folder.rmdir()


def _mount(folder: Path, size_mb: int, *, read_only: bool = False) -> None:
    options = f"size={size_mb}m,mode=0755" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], check=False)


class SmallDisk:
    """A tmpfs of a few MB at `folder`; `fill()` takes all its free space, `free()` gives it back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._filler = folder / ".filler"

    def fill(self) -> None:
        """Write zeros until the disk has no block left (ENOSPC)."""
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            for size in (256 * 1024, 4096, 512):
                block = b"\0" * size
                with contextlib.suppress(OSError):
                    while True:
                        os.write(fd, block)
        finally:
            os.close(fd)

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)

    @property
    def free_bytes(self) -> int:
        stats = os.statvfs(self.folder)
        return stats.f_bavail * stats.f_frsize


@contextlib.contextmanager
def small_disk(folder: Path, size_mb: int = 32) -> Iterator[SmallDisk]:
    """Mount a tmpfs of `size_mb` at `folder` (created) for the duration."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount(folder, size_mb)
    try:
        yield SmallDisk(folder)
    finally:
        _unmount(folder)


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """`folder` as a read-only mount of its own (root may write anywhere else), empty."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount(folder, 1, read_only=True)
    try:
        yield folder
    finally:
        _unmount(folder)


@contextlib.contextmanager
def made_read_only(disk: SmallDisk) -> Iterator[None]:
    """Remount a small disk read-only, with what it holds, then writable again."""
    subprocess.run(["mount", "-o", "remount,ro", str(disk.folder)], check=True)
    try:
        yield
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk.folder)], check=True)
