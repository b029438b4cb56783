"""Synthetic FINRA OTC weekly files for the demo and benchmarks: any tier, any size.

Realistic in shape (sorted by symbol, one row per symbol and venue, FINRA's venues,
heavy-tailed volumes, symbols that come and go between weeks) and clearly labelled:
every security name ends with "(synthetic)". Deterministic for a given seed.
"""

from __future__ import annotations

import itertools
import math
import random
import string
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.psv import HEADER_LINE
from runplane.domains.finra_otc.sources import default_path

VENUES = (
    ("OTCN", "OTCN OTC LINK NQB IDQS", 2300),
    ("OTCX", "OTCX OTC LINK ECN ATS", 1700),
    ("ARCA", "ARCA GLOBAL OTC", 870),
    ("PPEX", "PPEX NORTH CAPITAL PRIVATE SECURITIES CORPORATION", 430),
    ("PROS", "PROS TZERO SECURITIES LLC", 5),
    ("ALTS", "ALTS LODAS SECURITIES ALTERNATIVE TRADING SYSTEM", 4),
    ("SMKT", "SMKT SECURITIZE MARKETS ATS", 1),
    ("STEN", "STEN STARTENGINE SECONDARY", 1),
    ("SWCL", "SWCL INX SECURITIES, LLC", 1),
)
_VENUE_COUNTS = ((1, 0.5), (2, 0.35), (3, 0.12), (4, 0.03))
_LISTED = 0.9
"""Chance that a symbol of the universe trades in a given week."""
_WORDS = (
    *("Aurora", "Basin", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris"),
    *("Juniper", "Keystone", "Lumen", "Meridian", "Nimbus", "Orchard", "Pioneer", "Quarry"),
    *("Ridge", "Summit", "Tundra", "Umber", "Vertex", "Willow", "Zephyr"),
)
_KINDS = ("Mining Corp", "Holdings Inc", "Energy Ltd", "Biotech Inc", "Bancorp", "Resources Ltd")
_CLASSES = ("Common Stock", "Ordinary Shares", "Common Shares", "ADR")


@dataclass(frozen=True)
class WeekFile:
    path: Path
    tier: MarketTier
    week_ending: date
    rows: int
    symbols: int


def write_week(
    path: Path,
    *,
    tier: MarketTier,
    week_ending: date,
    rows: int,
    seed: int = 0,
    bad_rows: int = 0,
) -> WeekFile:
    """Write a FINRA-format file of `rows` data rows; `bad_rows` of them have an empty symbol.

    Weeks of one tier and seed draw from the same symbol universe, so consecutive
    weeks share most symbols and each adds a few new ones.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:{tier}:{week_ending.isoformat()}")
    bad = set(rng.sample(range(rows), min(bad_rows, rows)))
    symbols: set[str] = set()
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER_LINE + "\n")
        lines = _lines(rng, universe(rows, tier, seed), tier.description, week_ending.isoformat())
        for written, (symbol, line) in enumerate(lines, start=1):
            if written - 1 in bad:
                line = line.replace(f"|{symbol}|", "||", 1)
            else:
                symbols.add(symbol)
            out.write(line)
            if written == rows:
                break
    return WeekFile(path, tier, week_ending, written, len(symbols))


def write_weeks(
    data_dir: Path,
    *,
    tier: MarketTier,
    weeks: list[date],
    rows: int,
    seed: int = 0,
    bad_rows: int = 0,
) -> list[WeekFile]:
    """One file per week at the ingest's default path inside `data_dir`."""
    return [
        write_week(
            data_dir / default_path(tier, week),
            tier=tier,
            week_ending=week,
            rows=rows,
            seed=seed,
            bad_rows=bad_rows,
        )
        for week in weeks
    ]


def universe(rows: int, tier: MarketTier, seed: int) -> list[str]:
    """Sorted, unique ticker symbols: enough for `rows` rows in any week of the tier."""
    rng = random.Random(f"{seed}:{tier}:universe")
    wanted = math.ceil(rows / 0.8) + 16  # every listed symbol has at least one row
    length = 4 if wanted < 26**4 // 20 else 5
    found: set[str] = set()
    while len(found) < wanted:
        found.add("".join(rng.choices(string.ascii_uppercase, k=rng.choice((length, length + 1)))))
    return sorted(found)


def _lines(
    rng: random.Random, symbols: list[str], tier: str, week: str
) -> Iterator[tuple[str, str]]:
    venue_weights = list(itertools.accumulate(v[2] for v in VENUES))
    counts = [c for c, _ in _VENUE_COUNTS]
    count_weights = list(itertools.accumulate(w for _, w in _VENUE_COUNTS))
    for symbol in symbols:
        if rng.random() > _LISTED:
            continue
        name = _name(symbol)
        count = rng.choices(counts, cum_weights=count_weights)[0]
        chosen = {v[0]: v[1] for v in rng.choices(VENUES, cum_weights=venue_weights, k=count)}
        for mpid in sorted(chosen):
            shares = max(1, int(math.exp(rng.gauss(9.5, 2.4))))
            trades = max(1, min(shares, int(shares / math.exp(rng.gauss(7.5, 1.6)))))
            yield (
                symbol,
                f"{tier}|{symbol}|{name}|{chosen[mpid]}|{mpid}|{shares}|{trades}|{week}\n",
            )


def _name(symbol: str) -> str:
    """A stable made-up issue name that says it is synthetic."""
    h = zlib.crc32(symbol.encode())
    return (
        f"{_WORDS[h % len(_WORDS)]} {_WORDS[(h >> 8) % len(_WORDS)]} "
        f"{_KINDS[(h >> 16) % len(_KINDS)]} {_CLASSES[(h >> 24) % len(_CLASSES)]} (synthetic)"
    )
