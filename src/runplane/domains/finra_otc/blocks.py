"""Reading a FINRA file as blocks of whole lines, for the columnar ingest.

The header is checked first, as the row path checks it (`psv.records`). Then the data
lines come in `Block`s of about `BLOCK_BYTES`, each cut just after a newline, so a block
holds whole lines and decodes on its own. What a block cannot hold comes as one `Rest`,
the remaining lines as the row path reads them: a file whose first line does not end in a
newline, a blank first line, a header ended by a bare carriage return, or a stretch of
more than `LONG_LINE` blocks without a newline (a file of bare carriage returns).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from runplane.domains.finra_otc.psv import Where, fields_of, records

BLOCK_BYTES = 1 << 21
LONG_LINE = 4
"""A stretch of this many blocks' bytes without a newline goes to the row path."""


@dataclass(frozen=True)
class Block:
    """Whole data lines, as bytes: the columnar path's unit, or the row path's if it must."""

    data: bytes

    def records(self) -> Iterator[list[str]]:
        """The block's lines split as the row path splits them, undecodable bytes replaced."""
        text = self.data.decode("utf-8", errors="replace")
        return fields_of(io.StringIO(text, newline=""))


@dataclass(frozen=True)
class Rest:
    """The remaining lines of the file, split by the row path."""

    records: Iterator[list[str]]


def read_blocks(stream: IO[bytes], where: Where, size: int = BLOCK_BYTES) -> Iterator[Block | Rest]:
    """The data lines after a checked header: the first line of the first part is line 2.

    Raises `DataError` for an empty file or a header that is not FINRA's, as the row path.
    """
    first = stream.read(size)
    end = first.find(b"\n")
    head = first[: end + 1]
    text = head.decode("utf-8-sig", errors="replace")
    if end < 0 or "\r" in text[:-2] or not text.strip("\r\n"):
        yield Rest(records(_text([first], stream, "utf-8-sig"), where))
        return
    records([text], where)
    pending = first[end + 1 :]
    cut = pending.rfind(b"\n")
    if len(first) == size and cut >= 0:
        yield Block(pending[: cut + 1])
        pending = pending[cut + 1 :]
    while True:
        more = stream.read(size)
        if not more:
            if pending:
                yield Block(pending)
            return
        pending += more
        cut = pending.rfind(b"\n")
        if cut >= 0:
            yield Block(pending[: cut + 1])
            pending = pending[cut + 1 :]
        elif len(pending) > LONG_LINE * size:
            yield Rest(fields_of(_text([pending], stream, "utf-8")))
            return


def _text(read: list[bytes], stream: IO[bytes], encoding: str) -> Iterator[str]:
    """Lines of the bytes already read followed by the rest of `stream`, decoded as the
    row path decodes a file (universal newlines kept, undecodable bytes replaced)."""
    joined = io.BufferedReader(_Prefixed(b"".join(read), stream))
    return io.TextIOWrapper(joined, encoding=encoding, errors="replace", newline="")


class _Prefixed(io.RawIOBase):
    """A stream that returns `prefix` first, then what `stream` still has."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            taken = self._prefix[: len(buffer)]
            buffer[: len(taken)] = taken
            self._prefix = self._prefix[len(taken) :]
            return len(taken)
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
