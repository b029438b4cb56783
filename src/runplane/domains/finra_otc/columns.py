"""Checking a block of FINRA lines a whole column at a time (pyarrow's CSV reader and
compute kernels), instead of line by line.

`check` answers a block's fields as string columns and each symbol's shares only when the
block is plain: every line has FINRA's eight fields, the tier and week of the run, valid
UTF-8, no NUL, no bare carriage return, no field longer than the row path's csv accepts,
and share volumes the row path reads the same way. Anything else answers None, and the
block goes through the row path, which says what is wrong on which line exactly as before.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from runplane.domains.finra_otc.blocks import Block
from runplane.domains.finra_otc.psv import DATE, FIELDS, SHARES, SYMBOL, TIER

_NAMES = [f"f{i}" for i in range(FIELDS)]
_PARSE = pa_csv.ParseOptions(
    delimiter="|",
    quote_char=False,
    escape_char=False,
    newlines_in_values=False,
    ignore_empty_lines=False,
)
_CONVERT = pa_csv.ConvertOptions(
    column_types={name: pa.string() for name in _NAMES},
    strings_can_be_null=False,
    quoted_strings_can_be_null=False,
    check_utf8=True,
)
_MAX_SHARES = 2**63 - 1
_DIGITS = 18
"""Longest share volume summed as a 64-bit integer; a longer one sends its block the row way."""


@dataclass(frozen=True)
class Columns:
    """A plain block's lines: one string column per field, and shares per symbol."""

    fields: list[pa.StringArray]
    rows: int
    shares: pa.Table
    """Each symbol's shares in the block (columns `symbol`, `shares`)."""
    bound: int
    """No symbol's shares in `shares` is above this."""
    backslash: bool
    """Whether a field holds a backslash (PostgreSQL's COPY text format must escape it)."""


def check(block: Block, tier: str, week: str) -> Columns | None:
    """The block as columns if every line is plain for the run's `tier` and `week`."""
    data = block.data
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(
                column_names=_NAMES, block_size=len(data) + 1, use_threads=False
            ),
            parse_options=_PARSE,
            convert_options=_CONVERT,
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows != lines:
        return None
    fields: list[pa.StringArray] = [table.column(i).combine_chunks() for i in range(FIELDS)]
    longest = max(pc.max(pc.binary_length(f)).as_py() or 0 for f in fields)
    if longest >= csv.field_size_limit():
        return None
    if not (_all(pc.equal(fields[TIER], tier)) and _all(pc.equal(fields[DATE], week))):
        return None
    shares = _shares(fields[SYMBOL], fields[SHARES])
    if shares is None:
        return None
    return Columns(
        fields=fields, rows=lines, shares=shares[0], bound=shares[1], backslash=b"\\" in data
    )


def _shares(symbols: pa.StringArray, volumes: pa.StringArray) -> tuple[pa.Table, int] | None:
    """Shares per symbol of the lines the row path adds up (a symbol and a whole number),
    and a bound on them; None where a volume might be read differently by it (spaces,
    other digits, too long for 64 bits)."""
    named = pc.not_equal(symbols, "")
    printable = pc.match_substring_regex(volumes, r"^[!-~]*$")
    if not _all(pc.or_(pc.invert(named), printable)):
        return None
    counted = pc.and_(named, pc.match_substring_regex(volumes, r"^[0-9]+$"))
    symbols, volumes = symbols.filter(counted), volumes.filter(counted)
    if (pc.max(pc.utf8_length(volumes)).as_py() or 0) > _DIGITS:
        return None
    numbers = pc.cast(volumes, pa.int64())
    bound = (pc.max(numbers).as_py() or 0) * len(numbers)
    if bound > _MAX_SHARES:
        return None
    table = pa.table({"symbol": symbols, "shares": numbers})
    sums = table.group_by("symbol", use_threads=False).aggregate([("shares", "sum")])
    return sums.rename_columns(["symbol", "shares"]), bound


def _all(mask: pa.BooleanArray) -> bool:
    return bool(pc.all(mask).as_py())
