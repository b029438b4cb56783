"""Each symbol's shares across a whole file, kept as pyarrow tables rather than a Python
dict: a week of a million lines has some 600,000 symbols, a hundred megabytes as a dict.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_SCHEMA = pa.schema([("symbol", pa.string()), ("shares", pa.int64())])
_MAX_SHARES = 2**63 - 1


class Volumes:
    """Shares added up per symbol, block by block (columns) or line by line (`add`)."""

    def __init__(self) -> None:
        self._parts: list[pa.Table] = []
        self._lines: dict[str, int] = {}
        self._bound = 0
        """The most any symbol's 64-bit sum could reach: past 2**63 - 1 the sums go on as
        Python integers."""

    def add(self, symbol: str, shares: int) -> None:
        self._lines[symbol] = self._lines.get(symbol, 0) + shares

    def add_table(self, sums: pa.Table, bound: int) -> None:
        """A block's sums (columns `symbol` and `shares`, one row per symbol), none above
        `bound`."""
        self._bound += bound
        if self._bound > _MAX_SHARES:
            self._lines = self.totals()
            self._parts = []
            for symbol, shares in zip(
                sums["symbol"].to_pylist(), sums["shares"].to_pylist(), strict=True
            ):
                self.add(symbol, shares)
            return
        self._parts.append(sums)
        if len(self._parts) >= 64:
            self._parts = [_sum(self._parts)]

    def totals(self) -> dict[str, int]:
        """Every symbol's total (a dict: only for small files and tests)."""
        table = self._table()
        if table is None:
            return dict(self._lines)
        found = dict(zip(table["symbol"].to_pylist(), table["shares"].to_pylist(), strict=True))
        for symbol, shares in self._lines.items():
            found[symbol] = found.get(symbol, 0) + shares
        return found

    def count(self) -> int:
        table = self._table()
        return len(self._lines) if table is None else len(_with_lines(table, self._lines))

    def top(self) -> tuple[str, int] | None:
        """The symbol with the most shares, the greater name on a tie."""
        table = self._table()
        if table is None:
            return max(self._lines.items(), key=lambda kv: (kv[1], kv[0]), default=None)
        table = _with_lines(table, self._lines)
        if not len(table):
            return None
        most = pc.max(table["shares"])
        tied = table["symbol"].filter(pc.equal(table["shares"], most))
        return str(pc.max(tied).as_py()), int(most.as_py())

    def count_new(self, earlier: set[str]) -> int:
        """Symbols not among `earlier`."""
        table = self._table()
        if table is None:
            return len(self._lines.keys() - earlier)
        symbols = _with_lines(table, self._lines)["symbol"]
        known = pc.is_in(symbols, value_set=pa.array(sorted(earlier), pa.string()))
        return len(symbols) - int(pc.sum(known).as_py() or 0)

    def _table(self) -> pa.Table | None:
        if not self._parts:
            return None
        self._parts = [_sum(self._parts)]
        return self._parts[0]


def _with_lines(table: pa.Table, lines: dict[str, int]) -> pa.Table:
    if not lines:
        return table
    extra = pa.table({"symbol": list(lines), "shares": list(lines.values())}, schema=_SCHEMA)
    return _sum([table, extra])


def _sum(parts: list[pa.Table]) -> pa.Table:
    """One row per symbol with the sum of its shares."""
    table = pa.concat_tables(parts)
    sums = table.group_by("symbol", use_threads=False).aggregate([("shares", "sum")])
    return sums.rename_columns(["symbol", "shares"])
