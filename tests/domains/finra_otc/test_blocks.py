"""Reading a file as blocks of whole lines: together the parts give exactly the lines the row
path reads, numbered the same, and the header is refused with the row path's words."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from runplane.domains.finra_otc.blocks import Block, Rest, read_blocks
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.psv import HEADER_LINE, Where, records
from runplane.domains.finra_otc.synthetic import write_week
from runplane.pipelines import DataError

WHERE = Where("week.psv", file="/data/week.psv")
ROW = "OTC|ABCD|Abcd Corp (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|100|2|2025-12-22"


def row_path(data: bytes) -> list[list[str]]:
    """What the ingest read before blocks: the decoded text, split line by line."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors="replace", newline="")
    return list(records(text, WHERE))


def parts_of(data: bytes, size: int = 4096) -> list[list[str]]:
    found: list[list[str]] = []
    for part in read_blocks(io.BytesIO(data), WHERE, size):
        found += part.records() if isinstance(part, Block) else list(part.records)
    return found


def test_blocks_hold_whole_lines_and_together_every_line_after_the_header(
    tmp_path: Path,
) -> None:
    path = tmp_path / "week.psv"
    write_week(path, tier=MarketTier.OTC, week_ending=date(2025, 12, 22), rows=2_000)
    data = path.read_bytes()
    parts = list(read_blocks(io.BytesIO(data), WHERE, size=4096))
    assert len(parts) > 10
    assert all(isinstance(p, Block) and p.data.endswith(b"\n") for p in parts)
    assert b"".join(p.data for p in parts if isinstance(p, Block)) == data.split(b"\n", 1)[1]
    assert parts_of(data) == row_path(data)


@pytest.mark.parametrize(
    "data",
    [
        f"\ufeff{HEADER_LINE}\r\n{ROW}\r\n{ROW}".encode(),
        f"{HEADER_LINE}\n{ROW}\n\n{ROW}|extra\n{ROW}\r{ROW}\n".encode(),
        f"{HEADER_LINE}\n{ROW}\n".encode() + b"OTC|\xff\xfe|x|y|z|1|2|2025-12-22\n",
        f"{HEADER_LINE}\r{ROW}\r{ROW}\r".encode(),
        f"{HEADER_LINE}\n{ROW}\r{ROW}\r{ROW}\r{ROW}".encode() * 40,
    ],
    ids=["bom-crlf-no-final-newline", "odd-lines", "invalid-utf8", "bare-cr", "long-cr-stretch"],
)
def test_any_file_reads_as_the_row_path_reads_it(data: bytes) -> None:
    assert parts_of(data, size=64) == row_path(data)


def test_a_stretch_without_newlines_goes_to_the_row_path_as_the_rest() -> None:
    data = f"{HEADER_LINE}\n".encode() + f"{ROW}\r".encode() * 100
    parts = list(read_blocks(io.BytesIO(data), WHERE, size=256))
    assert [type(p) for p in parts] == [Rest]
    assert parts_of(data, size=256) == row_path(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"\n", "the file is empty"),
        (b"\n\n", "not a FINRA OTC transparency file: line 1 is blank"),
        (b"symbol|volume\nEARI|100\n", "it has 2 columns, FINRA's has 8"),
        (
            HEADER_LINE.replace("MPID", "mpid").encode() + b"\n",
            "column 5 is 'mpid', expected 'MPID'",
        ),
    ],
    ids=["empty", "blank-line", "blank-header", "wrong-columns", "renamed-column"],
)
def test_a_file_that_is_not_a_finra_week_is_refused_as_the_row_path_refuses_it(
    data: bytes, problem: str
) -> None:
    with pytest.raises(DataError) as blocks:
        list(read_blocks(io.BytesIO(data), WHERE))
    with pytest.raises(DataError) as rows:
        row_path(data)
    assert problem in str(blocks.value)
    assert str(blocks.value) == str(rows.value)
    assert blocks.value.details() == rows.value.details()


def test_a_file_with_only_the_header_has_no_parts() -> None:
    assert list(read_blocks(io.BytesIO(f"{HEADER_LINE}\n".encode()), WHERE)) == []
    assert parts_of(f"\ufeff{HEADER_LINE}".encode()) == []
