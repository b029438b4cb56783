"""Search across every log at scale: 1,000,000 executions over 30 days with 10,000,000 log
lines, bulk-loaded into a fresh database (SQLite by default, or `--database-url` for
PostgreSQL), the full-text index built afterwards as the migration builds it for existing
rows. Then:

- log search p95 for a selective term over 7 days (a symbol in ~1 line of 10,000), a
  phrase and a prefix, through the read model the API calls (target ≤ 100 ms);
- the index's size beside the table's;
- the log writer's throughput (the runner's `LogSink`, its batches and settings) with the
  index on and then off, side by side (target: on within 10 % of off).

    python bench/log_search.py                                   # the full size, minutes
    python bench/log_search.py --executions 10000 --lines 100000 # a quick run
    python bench/log_search.py --reuse                           # the last history again
    python bench/log_search.py --database-url postgresql+psycopg://.../bench
    python bench/log_search.py --database-url ... --pg-document "to_tsvector('simple', message)"

`--pg-document` indexes and searches another expression on PostgreSQL, to compare what
each costs the writer (the search results then follow that expression's words).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from runplane.engine.running.logsink import LogSink
from runplane.settings import Settings
from runplane.store import Database, log_index, log_search
from runplane.store import logs as log_store
from runplane.store.log_index import PG_DOCUMENT, PG_INDEX, create_log_index, drop_log_index
from runplane.store.schema import upgrade
from runplane.store.tables import execution_logs, executions
from runplane.views.log_search import parse_search, search_logs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record
from seed_executions import seed

SEARCH_P95_MS = 100.0
WRITER_MAX_SLOWDOWN = 0.10
SYMBOLS = 10_000
LOAD_BATCH = 500_000
MESSAGES = (
    "processed row {n} of symbol S{s:04d}",
    "fetched https://cdn.example.com/weekly/{w}.psv in {ms} ms",
    "capture cap_{id} opened for week {w}",
    "upstream answered HTTP 503; retrying in {ms} ms",
    "wrote {n} rows to sales.eu_{w}",
    "ERROR: symbol S{s:04d} has no venue",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--database-url", help="default: a new SQLite file in bench/out")
    parser.add_argument("--queries", type=int, default=200, help="per kind of query")
    parser.add_argument("--writer-lines", type=int, default=200_000)
    parser.add_argument("--pg-document", help=f"PostgreSQL only; default: {PG_DOCUMENT}")
    parser.add_argument(
        "--reuse", action="store_true", help="time again the history an earlier run loaded"
    )
    args = parser.parse_args()
    if args.pg_document:
        log_index.PG_DOCUMENT = log_search.PG_DOCUMENT = args.pg_document

    url = args.database_url
    if url is None:
        path = Path("bench/out/log_search.db").resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in [] if args.reuse else path.parent.glob(path.name + "*"):
            stale.unlink()
        url = f"sqlite:///{path}"
    db = Database(url)
    upgrade(db)
    started = time.perf_counter()
    with db.read() as conn:
        newest = select(executions.c.execution_id).order_by(executions.c.execution_id.desc())
        ids = list(conn.execute(newest.limit(3)).scalars())
    if args.reuse and len(ids) == 3:
        print(f"timing the history already in {url} again...")
        with db.write() as conn:
            drop_log_index(conn)  # built again below, as on a fresh load
    else:
        print(f"loading {args.executions:,} executions and {args.lines:,} lines into {url}...")
        seed(db, count=args.executions, log_lines=0)
        with db.write() as conn:
            drop_log_index(conn)  # bulk-loaded without it, then built as the migration builds it
        ids = _load_lines(db, args.lines)
    loaded = time.perf_counter() - started
    before = _size(db)
    started = time.perf_counter()
    with db.write() as conn:
        if db.dialect == "sqlite":  # room for the index's segments while they merge
            conn.exec_driver_sql("PRAGMA cache_size=-1000000")
        create_log_index(conn)
        if db.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-32000")
    built = time.perf_counter() - started
    index_bytes = _index_size(db, before)
    print(f"loaded in {loaded:.0f} s; index built in {built:.0f} s")

    rng = random.Random(7)
    kinds = {
        "selective term (a symbol)": lambda: f"S{rng.randrange(SYMBOLS):04d}",
        "phrase": lambda: f'"of symbol S{rng.randrange(SYMBOLS):04d}"',
        "prefix (10 symbols)": lambda: f"S{rng.randrange(SYMBOLS // 10):03d}*",
        "term + level:error": lambda: f"S{rng.randrange(SYMBOLS):04d} level:error",
    }
    timings = {name: _time_searches(db, make, args.queries) for name, make in kinds.items()}

    _writer_throughput(db, ids[2], args.writer_lines // 10)  # warm: caches, statements
    on = _writer_throughput(db, ids[0], args.writer_lines)
    with db.write() as conn:
        drop_log_index(conn)
    log_store.index_batch = lambda *_: None  # the writer as it was before the index
    off = _writer_throughput(db, ids[1], args.writer_lines)
    db.dispose()

    print(f"\n{'query (7 days)':<28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, ms in timings.items():
        print(f"{name:<28} {_pct(ms, 50):>8.1f} {_pct(ms, 95):>8.1f}")
    p95 = _pct(timings["selective term (a symbol)"], 95)
    print(f"target: selective term p95 ≤ {SEARCH_P95_MS:.0f} ms: {_verdict(p95 <= SEARCH_P95_MS)}")
    record("log_search.selective_term.p95", p95, "ms", SEARCH_P95_MS)
    print(f"\ndatabase without the index: {before / 2**20:,.1f} MiB; "
          f"log search index: {index_bytes / 2**20:,.1f} MiB")  # fmt: skip
    print(f"\n{'log writer':<28} {'lines/s':>10}")
    print(f"{'index on':<28} {on:>10,.0f}")
    print(f"{'index off':<28} {off:>10,.0f}")
    slowdown = 1 - on / off if off else 0.0
    print(
        f"target: index on within {WRITER_MAX_SLOWDOWN:.0%} of off ({slowdown:+.1%} slower): "
        f"{_verdict(slowdown <= WRITER_MAX_SLOWDOWN)}"
    )
    record("log_search.writer_slowdown", slowdown * 100, "percent", WRITER_MAX_SLOWDOWN * 100)
    print(f"\ncommand: python bench/log_search.py {' '.join(sys.argv[1:])}".rstrip())
    print("(the database is left without its search index: the last step dropped it)")


def _load_lines(db: Database, total: int) -> list[str]:
    """`total` lines spread over every execution (about `total / executions` each), written
    in execution id order so the table's two indexes grow at their ends instead of taking
    each line at a random place: plain tuples through the driver's `executemany`, one
    transaction per `LOAD_BATCH` lines, with the file's syncs off for the load only."""
    with db.read() as conn:
        rows = conn.execute(
            select(executions.c.execution_id, executions.c.created_at).order_by(
                executions.c.execution_id
            )
        ).all()
    rng = random.Random(11)
    per = max(1, total // max(1, len(rows)))
    sqlite = db.dialect == "sqlite"
    mark = "?" if sqlite else "%s"
    statement = (
        "INSERT INTO execution_logs (execution_id, seq, at, level, message)"
        f" VALUES ({', '.join([mark] * 5)})"
    )
    pick, randrange, getrandbits = rng.random, rng.randrange, rng.getrandbits
    raw: Any = db.engine.raw_connection()  # one connection, so its settings hold throughout
    cursor = raw.cursor()
    if sqlite:
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-1000000")
    batch: list[tuple[Any, ...]] = []
    written = 0
    for execution_id, created in rows:
        count = min(per, total - written)
        day = created.date()
        for seq in range(1, count + 1):
            template = MESSAGES[0] if pick() < 0.6 else rng.choice(MESSAGES)
            message = template.format(
                n=randrange(100_000), s=randrange(SYMBOLS), w=day, ms=randrange(5000),
                id=f"{getrandbits(48):012x}",
            )  # fmt: skip
            at = created + timedelta(milliseconds=seq)
            stored = at.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else at
            level = "ERROR" if message.startswith("ERROR") else "INFO"
            batch.append((execution_id, seq, stored, level, message))
        written += count
        if len(batch) >= LOAD_BATCH or written >= total:
            _commit_lines(raw, sqlite, statement, batch)
            batch = []
        if written >= total:
            break
    _commit_lines(raw, sqlite, statement, batch)
    if sqlite:
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32000")
    cursor.close()
    raw.close()
    return [rows[-1][0], rows[-2][0], rows[-3][0]]


def _commit_lines(raw: Any, sqlite: bool, statement: str, batch: list[tuple[Any, ...]]) -> None:
    if not batch:
        return
    cursor = raw.cursor()
    if sqlite:
        cursor.execute("BEGIN")
    cursor.executemany(statement, batch)
    if sqlite:
        cursor.execute("COMMIT")
    else:
        raw.commit()
    cursor.close()


def _time_searches(db: Database, make: Any, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        request = parse_search(q=make(), range="7d")
        started = time.perf_counter()
        search_logs(db, request)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _writer_throughput(db: Database, execution_id: str, lines: int) -> float:
    """Lines per second through the runner's log sink, with its default batch settings."""
    settings = Settings()
    with db.write() as conn:
        conn.execute(execution_logs.delete().where(execution_logs.c.execution_id == execution_id))
    sink = LogSink(
        db, execution_id, interval=settings.log_flush_interval,
        max_lines=settings.log_flush_lines,
    )  # fmt: skip
    sink.start()
    now = datetime.now(UTC)
    started = time.perf_counter()
    for n in range(lines):
        sink.emit("INFO", f"processed row {n} of symbol S{n % SYMBOLS:04d}", now)
    sink.close()
    return lines / (time.perf_counter() - started)


def _size(db: Database) -> int:
    with db.read() as conn:
        if db.dialect == "sqlite":
            pages = conn.execute(text("PRAGMA page_count")).scalar_one()
            free = conn.execute(text("PRAGMA freelist_count")).scalar_one()
            return int((pages - free) * conn.execute(text("PRAGMA page_size")).scalar_one())
        query = text("SELECT pg_database_size(current_database())")
        return int(conn.execute(query).scalar_one())


def _index_size(db: Database, before: int) -> int:
    if db.dialect == "sqlite":  # the FTS5 table's shadow tables are all that was added
        return _size(db) - before
    with db.read() as conn:
        query = text(f"SELECT pg_relation_size('{PG_INDEX}')")
        return int(conn.execute(query).scalar_one())


def _pct(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    main()
