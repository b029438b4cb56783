"""Free text over executions: an id starting with it, a pipeline name containing it, or
a parameter value starting with it (ignoring the case of ASCII letters, as LIKE does).

As a test per row it walks every execution of the window. On SQLite `resolve` first asks
the indexes what the text can match, a few look-ups in all: the pipeline names holding it
(the few distinct names, read by skipping through the pipeline index), and whether any id
or parameter value starts with it (one range of the index per spelling of its first
letters' case). Text that names pipelines only becomes `pipeline IN (...)`, an indexed
equality; otherwise the test per row stays, the pipeline part an equality, the parameter
part looked up only for rows whose JSON holds the text after a quote.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    exists,
    false,
    func,
    or_,
    text,
    type_coerce,
)

from runplane.store.tables import execution_params as p
from runplane.store.tables import executions as t

CASED = 3
"""Leading ASCII letters whose case is spelt out as ranges (2**3 ranges at most)."""
NAMES = 50
"""Parameter names looked through; a side table with more is tested row by row."""
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_NUMERIC = re.compile(r"^[0-9.eE+-]*$")
_PLAIN = re.compile(r"^[\x20-\x7e]*$")


@dataclass(frozen=True)
class SearchTerms:
    """What a free text can match, from the indexes (SQLite): the pipeline names holding
    it, and whether some id or some parameter value may start with it."""

    text: str
    pipelines: tuple[str, ...]
    ids: bool
    values: bool


def clause(text_: str, terms: SearchTerms | None = None) -> ColumnElement[bool]:
    """The test on `executions` rows; with `terms` (SQLite) only what can match."""
    pattern = _escape(text_.lower())
    if terms is not None and not terms.ids and not terms.values:
        return t.c.pipeline.in_(terms.pipelines) if terms.pipelines else false()
    other = p.alias()
    value = exists().where(
        other.c.execution_id == t.c.execution_id,
        func.lower(other.c.value).like(pattern + "%", escape="\\"),
    )
    if terms is None:
        return or_(
            t.c.execution_id.like(pattern + "%", escape="\\"),
            t.c.pipeline.like("%" + pattern + "%", escape="\\"),
            value,
        )
    tests: list[ColumnElement[bool]] = []
    if terms.ids:
        tests.append(t.c.execution_id.like(pattern + "%", escape="\\"))
    if terms.pipelines:
        tests.append(t.c.pipeline.in_(terms.pipelines))
    if terms.values:
        tests.append(and_(_in_json(pattern), value) if _quoted(text_) else value)
    return or_(*tests)


def resolve(conn: Connection, text_: str) -> SearchTerms | None:
    """What `text_` can match on this database, or None where only the test per row
    answers (PostgreSQL, whose LIKE differs and whose ranges follow a collation)."""
    if conn.dialect.name != "sqlite":
        return None
    wanted = text_.lower()
    pipelines = tuple(
        name
        for name in conn.execute(text(_PIPELINES)).scalars()
        if name is not None and wanted in name.translate(_ASCII_LOWER)
    )
    names = [n for n in conn.execute(text(_NAMES_SQL), {"cap": NAMES + 1}).scalars() if n]
    ranges = _ranges(wanted)
    if ranges is None:
        return SearchTerms(text_, pipelines, ids=True, values=True)
    pattern = _escape(wanted) + "%"
    ids = _any(conn, "executions", "execution_id", ranges, pattern, [])
    values = len(names) > NAMES or _any(conn, "execution_params", "value", ranges, pattern, names)
    return SearchTerms(text_, pipelines, ids=ids, values=values)


_PIPELINES = (
    "WITH RECURSIVE seen(name) AS (SELECT min(pipeline) FROM executions UNION ALL"
    " SELECT (SELECT min(pipeline) FROM executions WHERE pipeline > seen.name)"
    " FROM seen WHERE seen.name IS NOT NULL) SELECT name FROM seen"
)
_NAMES_SQL = (
    "WITH RECURSIVE seen(name, n) AS (SELECT min(name), 1 FROM execution_params UNION ALL"
    " SELECT (SELECT min(name) FROM execution_params WHERE name > seen.name), n + 1"
    " FROM seen WHERE seen.name IS NOT NULL AND n < :cap) SELECT name FROM seen"
)


def _any(
    conn: Connection,
    table: str,
    column: str,
    ranges: list[tuple[str, str]],
    pattern: str,
    names: list[str],
) -> bool:
    """Whether `column` of `table` has a value starting with the text (LIKE `pattern`)
    within one of `ranges`, for each of `names` (the side table) or the whole index."""
    tests, values = [], []
    every: list[str | None] = [*names] if names else [None]
    for name in every:
        for low, high in ranges:
            where = f"{column} >= ? AND {column} < ? AND {column} LIKE ? ESCAPE '\\'"
            if name is not None:
                where = "name = ? AND " + where
                values.append(name)
            tests.append(f"EXISTS (SELECT 1 FROM {table} WHERE {where})")
            values += [low, high, pattern]
    found = conn.exec_driver_sql("SELECT " + " OR ".join(tests), tuple(values)).scalar()
    return bool(found)


def _ranges(text_: str) -> list[tuple[str, str]] | None:
    """Index ranges covering every string starting with `text_` in any case of its ASCII
    letters: each spelling of the text up to its `CASED`-th letter, to its successor; None
    when no range can be bounded."""
    prefix, letters = "", 0
    for char in text_:
        if letters == CASED:
            break
        prefix += char
        letters += char.isascii() and char.isalpha()
    ranges = []
    for spelling in itertools.product(
        *({c.lower(), c.upper()} if c.isascii() else {c} for c in prefix)
    ):
        low = "".join(spelling)
        following = _successor(low)
        if following is None:
            return None
        ranges.append((low, following))
    return ranges


def _successor(prefix: str) -> str | None:
    """The least string after every string starting with `prefix`, or None."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return None
    following = last + 1 if last + 1 not in range(0xD800, 0xE000) else 0xE000
    return prefix[:-1] + chr(following)


def _quoted(text_: str) -> bool:
    """Whether every parameter value starting with `text_` is a JSON string whose quote
    the text follows in the row's JSON: plain ASCII that no number or boolean spells."""
    lowered = text_.lower()
    return (
        bool(_PLAIN.match(text_))
        and '"' not in text_
        and "\\" not in text_
        and not _NUMERIC.match(lowered)
        and not "true".startswith(lowered)
        and not "false".startswith(lowered)
    )


def _in_json(pattern: str) -> ColumnElement[bool]:
    """The row's JSON holds the text right after a quote (ASCII letters in any case)."""
    document = func.lower(type_coerce(t.c.params, Text()))
    return document.like('%"' + pattern + "%", escape="\\")


def _escape(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
