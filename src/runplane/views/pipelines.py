"""Registered pipelines with their last run: the API's pipeline list, the dashboard's
Pipelines page and `runplane pipelines list` read this."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from runplane.model import Execution
from runplane.pipelines import Pipeline, Registry
from runplane.pipelines import registry as default_registry
from runplane.store import executions as store


@dataclass(frozen=True)
class PipelineRow:
    pipeline: Pipeline
    last_run: Execution | None
    """Its newest execution; None if it never ran."""


def list_pipelines_with_last_run(
    conn: Connection, registry: Registry = default_registry
) -> list[PipelineRow]:
    """Every registered pipeline in registration order, with its newest execution."""
    pipelines = list(registry)
    last = store.list_last_executions(conn, [p.name for p in pipelines])
    return [PipelineRow(p, last.get(p.name)) for p in pipelines]
