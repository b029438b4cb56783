"""How an execution's recorded cost was computed, in one sentence: the detail page, the API
reader and `runplane executions show` say it alike.

The rates come from the end's event, which records them with the cost, so the sentence
stays true after the rates in force have changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from runplane.model import Execution, ExecutionEvent
from runplane.model.cost import Rates, explain


def recorded_rates(events: Sequence[ExecutionEvent]) -> Rates | None:
    """The rates the last end event recorded (None for one recorded before costs were)."""
    for event in reversed(events):
        rates = event.detail.get("rates")
        if isinstance(rates, dict):
            try:
                return Rates(
                    float(rates["cpu_hour"]), float(rates["gb_hour"]), str(rates["currency"])
                )
            except (KeyError, TypeError, ValueError):
                return None
    return None


def cost_explanation(execution: Execution, events: Sequence[ExecutionEvent]) -> str | None:
    """`0.42 CPU-s × 0.05 USD/CPU-h + 1.3 GB-s × 0.01 USD/GB-h = …, rates v3f2a91c,
    recorded at finish`; None while it has no cost."""
    cost = execution.cost
    if cost is None:
        return None
    return explain(cost, recorded_rates(events))
