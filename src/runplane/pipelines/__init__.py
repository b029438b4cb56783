"""The framework a pipeline author uses: registration, typed parameters, run context, output.

from runplane.pipelines import SLA, Output, Params, RunContext, pipeline
"""

from runplane.model.sla import SLA
from runplane.pipelines.context import DataAccess, RunContext
from runplane.pipelines.errors import (
    Cancelled,
    ConfigError,
    DataError,
    DependencyError,
    InvalidParams,
    PipelineError,
    TransientError,
    UnknownPipeline,
)
from runplane.pipelines.output import Asset, Output
from runplane.pipelines.params import NoParams, Params
from runplane.pipelines.registry import Pipeline, Registry, RetryPolicy, pipeline, registry

__all__ = [
    "SLA",
    "Asset",
    "Cancelled",
    "ConfigError",
    "DataAccess",
    "DataError",
    "DependencyError",
    "InvalidParams",
    "NoParams",
    "Output",
    "Params",
    "Pipeline",
    "PipelineError",
    "Registry",
    "RetryPolicy",
    "RunContext",
    "TransientError",
    "UnknownPipeline",
    "pipeline",
    "registry",
]
