"""FINRA's weekly OTC transparency file: pipe-delimited, one header line, one row per
symbol and venue. Parsed as a stream; line numbers are file lines (the header is line 1).

    tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate
    OTC|EARI|Entertainment Arts Research Inc Common Stock|OTCN OTC LINK NQB IDQS|OTCN|87187446|42|2025-12-22
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from runplane.domains.finra_otc.params import MarketTier
from runplane.pipelines import DataError

HEADER = (
    "tierDescription",
    "issueSymbolIdentifier",
    "issueName",
    "marketParticipantName",
    "MPID",
    "totalWeeklyShareQuantity",
    "totalWeeklyTradeCount",
    "lastUpdateDate",
)
FIELDS = len(HEADER)
HEADER_LINE = "|".join(HEADER)
TIER, SYMBOL, ISSUE, PARTICIPANT, MPID, SHARES, TRADES, DATE = range(FIELDS)

LABELS = {
    TIER: "tierDescription",
    SYMBOL: "symbol",
    ISSUE: "issue name",
    PARTICIPANT: "venue name",
    MPID: "MPID",
    SHARES: "share volume",
    TRADES: "trade count",
    DATE: "lastUpdateDate",
}

_CHECK_ORDER = (SYMBOL, MPID, ISSUE, PARTICIPANT, TIER, SHARES, TRADES, DATE)
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,19}$")
_MPID = re.compile(r"^[A-Z0-9]{1,8}$")
_MAX_QUANTITY = 2**63 - 1


@dataclass(frozen=True)
class Where:
    """How messages name the input: a path inside the data dir, or a URL."""

    name: str
    file: str | None = None
    url: str | None = None

    def error(self, message: str, line: int | None = None) -> DataError:
        at = f"{self.name} line {line}" if line else self.name
        return DataError(f"{at}: {message}", file=self.file, row=line, url=self.url)


def records(lines: Iterable[str], where: Where) -> Iterator[list[str]]:
    """The data records after a checked header; the first one is line 2.

    Raises `DataError` for an empty file or a header that is not FINRA's.
    """
    reader = fields_of(lines)
    header = next(reader, None)
    if header == [] and next(reader, None) is None:
        header = None
    if header is None:
        raise where.error(
            f"the file is empty; expected FINRA's header line {HEADER_LINE} and one row per "
            "symbol and venue. Download the week's file again"
        )
    check_header(header, where)
    return reader


def fields_of(lines: Iterable[str]) -> Iterator[list[str]]:
    """Each line's fields, split on `|` with no quoting (a blank line has none)."""
    return csv.reader(lines, delimiter="|", quoting=csv.QUOTE_NONE, strict=False)


def check_header(header: list[str], where: Where) -> None:
    found = [name.strip().lstrip("\ufeff") for name in header]
    if tuple(found) == HEADER:
        return
    if found == []:
        problem = "line 1 is blank"
    elif len(found) != FIELDS:
        problem = f"it has {len(found)} columns, FINRA's has {FIELDS}"
    else:
        column, name = next((i, f) for i, f in enumerate(found) if f != HEADER[i])
        problem = f"column {column + 1} is {name!r}, expected {HEADER[column]!r}"
    raise where.error(
        f"not a FINRA OTC transparency file: {problem}. The header must be {HEADER_LINE}; "
        "check that the source is FINRA's weekly OTC transparency download",
        1,
    )


class Row(NamedTuple):
    """A validated, normalised row."""

    tier: MarketTier
    symbol: str
    issue_name: str
    participant_name: str
    mpid: str
    shares: int
    trades: int


def normalise(fields: list[str | None]) -> Row | str:
    """A row with trimmed names and integer volumes, or the reason it is rejected."""
    if len(fields) != FIELDS or None in fields:
        return f"expected {FIELDS} fields, found {sum(1 for f in fields if f is not None)}"
    values = [str(f).strip() for f in fields]
    if not all(values):
        column = next(c for c in _CHECK_ORDER if not values[c])
        return f"empty {LABELS[column]}"
    symbol = values[SYMBOL].upper()
    if not _SYMBOL.match(symbol):
        return f"symbol {values[SYMBOL]!r} is not a ticker symbol"
    mpid = values[MPID].upper()
    if not _MPID.match(mpid):
        return f"MPID {values[MPID]!r} is not a market participant id"
    tier = MarketTier.from_description(values[TIER])
    if tier is None:
        return f"tierDescription {values[TIER]!r} is not OTC, NMS Tier 1 or NMS Tier 2"
    shares, trades = values[SHARES], values[TRADES]
    for column, text in ((SHARES, shares), (TRADES, trades)):
        if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 19:
            return f"{HEADER[column]} {text!r} is not a whole number of at most 19 digits"
        if int(text) > _MAX_QUANTITY:
            return f"{HEADER[column]} {text!r} is not a whole number of at most 19 digits"
    return Row(
        tier=tier,
        symbol=symbol,
        issue_name=" ".join(values[ISSUE].split()),
        participant_name=" ".join(values[PARTICIPANT].split()),
        mpid=mpid,
        shares=int(shares),
        trades=int(trades),
    )
