"""The columnar check of a block and the ingest through it: plain blocks give exactly the rows
of the row path, and a block with bad lines goes the row way, so the lines stored and the
rejects normalize finds (line numbers, reasons) are exactly those of the row path."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from runplane.domains.finra_otc import tables
from runplane.domains.finra_otc.blocks import Block, read_blocks
from runplane.domains.finra_otc.columns import check
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.psv import FIELDS, Where, normalise
from runplane.domains.finra_otc.synthetic import write_week
from runplane.engine.serving.runtime import ServingRuntime
from runplane.settings import Settings
from runplane.store import Database
from tests.domains.finra_otc.support import INGEST, NORMALIZE, run

WEEK = "2025-12-22"
ROW = "OTC|ABCD|Abcd Corp (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|100|2|2025-12-22"
WHERE = Where("week.psv")


def reference(path: Path) -> list[tuple[int, list[str]]]:
    """Each line after the header with its number, read as the row path reads the file."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE, strict=False)
        next(reader)
        return [(line, fields) for line, fields in enumerate(reader, start=2) if fields]


def stored(db: Database, capture_id: str | None) -> list[tuple[object, ...]]:
    raw = tables.raw_rows
    names = ("line", *tables.RAW_FIELDS, "fields")
    query = select(*(raw.c[n] for n in names)).where(raw.c.capture_id == capture_id)
    with db.read() as conn:
        return [tuple(row) for row in conn.execute(query.order_by(raw.c.line))]


def expected_rows(path: Path) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = []
    for line, fields in reference(path):
        if len(fields) == FIELDS:
            found.append((line, *fields, None))
        else:
            cut = [*fields[:FIELDS], *([None] * (FIELDS - len(fields)))]
            found.append((line, *cut, len(fields)))
    return found


def expected_rejects(path: Path) -> list[tuple[int, str]]:
    found = []
    for line, fields in reference(path):
        if len(fields) != FIELDS:
            found.append((line, f"expected {FIELDS} fields, found {len(fields)}"))
        elif isinstance(reason := normalise(list(fields)), str):
            found.append((line, reason))
    return found


def block(*lines: str) -> Block:
    return Block("".join(f"{line}\n" for line in lines).encode())


def test_a_plain_block_gives_the_fields_and_shares_of_the_row_path() -> None:
    lines = [ROW, ROW.replace("ABCD", "WXYZ").replace("|100|", "|0042|"), ROW.replace("ABCD", "")]
    found = check(block(*lines), "OTC", WEEK)
    assert found is not None
    assert found.rows == 3
    assert [list(row) for row in zip(*(f.to_pylist() for f in found.fields), strict=True)] == [
        line.split("|") for line in lines
    ]
    shares = dict(zip(*(found.shares[c].to_pylist() for c in ("symbol", "shares")), strict=True))
    assert shares == {"ABCD": 100, "WXYZ": 42}
    assert not found.backslash


def test_crlf_lines_are_plain_and_a_backslash_is_flagged() -> None:
    slashed = ROW.replace("Abcd", "A\\B")
    found = check(Block(f"{ROW}\r\n{slashed}\r\n".encode()), "OTC", WEEK)
    assert found is not None
    assert found.fields[2].to_pylist() == ["Abcd Corp (synthetic)", "A\\B Corp (synthetic)"]
    assert found.fields[7].to_pylist() == [WEEK, WEEK]
    assert found.backslash


@pytest.mark.parametrize(
    "data",
    [
        f"{ROW}\n{ROW}|extra\n",
        f"{ROW}\nOTC|ABCD\n",
        f"{ROW}\n\n{ROW}\n",
        f"{ROW}\n{ROW.replace(WEEK, '2025-12-29')}\n",
        f"{ROW}\n{ROW.replace('OTC|', 'NMS Tier 1|', 1)}\n",
        f"{ROW}\n{ROW.replace('OTC|', ' OTC|', 1)}\n",
        f"{ROW}\r{ROW}\n",
        ROW + "\n" + ROW.replace("Abcd", "Ab\x00cd") + "\n",
        f"{ROW}\n{ROW.replace('|100|', '| 100|')}\n",
        f"{ROW}\n{ROW.replace('|100|', '|１００|')}\n",
        f"{ROW}\n{ROW.replace('|100|', '|' + '9' * 19 + '|')}\n",
        f"{ROW}\n{ROW.replace('Abcd', 'x' * 140_000)}\n",
    ],
    ids=[
        *("extra-field", "short-row", "blank-line", "other-week", "other-tier", "spaced-tier"),
        *("bare-cr", "nul", "spaced-volume", "wide-digits", "huge-volume", "huge-field"),
    ],
)
def test_a_block_with_anything_unusual_goes_the_row_way(data: str) -> None:
    assert check(Block(data.encode()), "OTC", WEEK) is None


def test_a_block_that_is_not_utf8_goes_the_row_way() -> None:
    assert check(Block(ROW.encode().replace(b"Abcd", b"Ab\xffcd")), "OTC", WEEK) is None


def _bad_lines_inside_the_first_block(path: Path) -> None:
    """Lines the row path must judge, a few thousand lines into a 30,000-line week."""
    lines = path.read_bytes().split(b"\n")
    bad = [
        b"OTC|ABCD|Short Row (synthetic)|OTCN",
        b"",
        b"OTC|A|B|C|D|1|2|2025-12-22|extra",
        b"OTC||No Symbol (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|5|1|2025-12-22",
        b"OTC|ZZZZ1|Bad Volume (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|12x|1|2025-12-22",
        b"OTC|ZZZZ2|Bare\rReturn (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|7|1|2025-12-22",
        b"OTC|ZZZZ3|Not \xff UTF-8 (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|7|1|2025-12-22",
    ]
    path.write_bytes(b"\n".join([*lines[:5000], *bad, *lines[5000:]]))


@pytest.mark.parametrize("bad", [False, True], ids=["all-good", "bad-lines-mid-block"])
def test_the_ingest_stores_and_normalize_rejects_exactly_the_lines_of_the_row_path(
    runtime: ServingRuntime, settings: Settings, bad: bool
) -> None:
    path = settings.data_dir / "finra-otc" / "OTC" / f"{WEEK}.psv"
    write_week(path, tier=MarketTier.OTC, week_ending=date(2025, 12, 22), rows=30_000)
    if bad:
        _bad_lines_inside_the_first_block(path)
    with path.open("rb") as stream:
        ways = [check(p, "OTC", WEEK) is not None for p in read_blocks(stream, WHERE)]
    assert ways == ([False] if bad else [True]) + [True] * (len(ways) - 1)
    assert len(ways) >= 2

    ingested = run(runtime.db, INGEST, week_ending=WEEK)
    assert ingested.status == "completed", ingested.error
    rows = expected_rows(path)
    assert ingested.rows_processed == len(rows) == 30_000 + (7 if bad else 0)
    assert stored(runtime.db, ingested.capture_id) == rows

    normalized = run(runtime.db, NORMALIZE, week_ending=WEEK)
    assert normalized.status == "completed", normalized.error
    rejected = tables.rejected_rows
    with runtime.db.read() as conn:
        found = conn.execute(
            select(rejected.c.line, rejected.c.reason)
            .where(rejected.c.capture_id == normalized.capture_id)
            .order_by(rejected.c.line)
        ).all()
    assert [tuple(r) for r in found] == expected_rejects(path)
    assert len(found) == (6 if bad else 0)


@pytest.mark.shared_data
def test_the_real_weeks_are_stored_exactly_as_the_row_path_reads_them(
    sqlite_runtime: ServingRuntime, sqlite_real_weeks: dict[str, Path]
) -> None:
    for week, path in sqlite_real_weeks.items():
        with path.open("rb") as stream:
            assert all(check(p, "OTC", week) for p in read_blocks(stream, WHERE))
        done = run(sqlite_runtime.db, INGEST, week_ending=week)
        assert done.status == "completed", done.error
        assert stored(sqlite_runtime.db, done.capture_id) == expected_rows(path)
