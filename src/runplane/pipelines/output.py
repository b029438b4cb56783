"""What a pipeline returns: rows processed, named figures, summary bullets, assets touched."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Asset:
    """A data asset a run touched, e.g. `Asset("sales", {"region": "emea", "day": "2025-12-22"})`."""

    kind: str
    keys: dict[str, str]


@dataclass(frozen=True)
class Output:
    rows_processed: int | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
