"""Pipeline registration by dotted name, and discovery through the `runplane.pipelines` entry
points (a plain module of pipelines, or a data domain: `runplane/plugins.py`).

@pipeline("sales.daily_report", params=ReportParams, description="Sum one day's sales.")
def daily_report(ctx: RunContext[ReportParams]) -> Output: ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from runplane.model import ErrorClass
from runplane.model.routing import InvalidQueue, checked_queue
from runplane.model.sla import SLA, InvalidDuration
from runplane.pipelines.context import RunContext
from runplane.pipelines.errors import UnknownPipeline
from runplane.pipelines.output import Output
from runplane.pipelines.params import NoParams, Params, params_schema
from runplane.pipelines.rules import ErrorRule
from runplane.plugins import Domain, load_domains

BUILTIN_MODULES = ("runplane.pipelines.builtin",)
NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

PipelineFunction = Callable[[RunContext[Any]], Output | None]


@dataclass(frozen=True)
class RetryPolicy:
    """Automatic retries: which failure classes, how many attempts, how long to back off."""

    max_attempts: int = 3
    backoff_seconds: float = 30.0
    backoff_factor: float = 2.0
    jitter: float = 0.2
    classes: frozenset[ErrorClass] = frozenset({ErrorClass.TRANSIENT})


@dataclass(frozen=True)
class Pipeline:
    name: str
    description: str
    params: type[Params]
    function: PipelineFunction
    retry: RetryPolicy | None = field(default_factory=RetryPolicy)
    error_rules: tuple[ErrorRule, ...] = ()
    module: str = ""
    baseline_params: tuple[str, ...] | None = None
    """The parameters that define a run's class for its baseline; None: all but dates."""
    sla: SLA | None = None
    queue: str | None = None
    """The queue its executions go to (Celery workers serving it run them); None: default."""

    @property
    def schema(self) -> dict[str, Any]:
        return params_schema(self.params)

    @property
    def title(self) -> str:
        return self.description.split("\n", 1)[0]


class Registry:
    def __init__(self) -> None:
        self._pipelines: dict[str, Pipeline] = {}
        self._domains: dict[str, Domain] = {}
        self._loaded = False

    def add(self, pipeline: Pipeline) -> None:
        if not NAME.match(pipeline.name):
            raise ValueError(
                f"pipeline name {pipeline.name!r} must be dotted lowercase, e.g. team.job"
            )
        existing = self._pipelines.get(pipeline.name)
        if existing is not None and existing.module != pipeline.module:
            raise ValueError(
                f"pipeline {pipeline.name!r} is registered twice ({existing.module}, {pipeline.module})"
            )
        if pipeline.sla is not None:
            try:
                pipeline.sla.check()
            except InvalidDuration as exc:
                raise ValueError(f"pipeline {pipeline.name!r}: {exc}") from None
        self._pipelines[pipeline.name] = pipeline

    def get(self, name: str) -> Pipeline:
        if not self._loaded:
            self.load()
        try:
            return self._pipelines[name]
        except KeyError:
            raise UnknownPipeline(name, sorted(self._pipelines)) from None

    def __iter__(self) -> Iterator[Pipeline]:
        if not self._loaded:
            self.load()
        return iter(sorted(self._pipelines.values(), key=lambda p: p.name))

    def names(self) -> list[str]:
        return [p.name for p in self]

    def load(self, extra_modules: Sequence[str] = ()) -> tuple[Domain, ...]:
        """Import the built-in pipelines, every `runplane.pipelines` entry point and
        `extra_modules` (`module` or `module:attribute`); returns the domains among them."""
        for module in BUILTIN_MODULES:
            import_module(module)
        domains = load_domains(extra_modules)
        self._domains.update((domain.name, domain) for domain in domains)
        self._loaded = True
        return domains

    def domains(self) -> list[Domain]:
        """Every domain loaded in this process so far, by name: what schedules may refer to."""
        if not self._loaded:
            self.load()
        return [self._domains[name] for name in sorted(self._domains)]


registry = Registry()


def pipeline(
    name: str,
    *,
    description: str,
    params: type[Params] = NoParams,
    retry: RetryPolicy | None = RetryPolicy(),
    error_rules: Sequence[ErrorRule] = (),
    baseline_params: Sequence[str] | None = None,
    sla: SLA | None = None,
    queue: str | None = None,
) -> Callable[[PipelineFunction], PipelineFunction]:
    """Register a function as the pipeline `name` in the default registry; an invalid
    `sla` or `queue`, or `baseline_params` naming no parameter, is refused here, naming
    the pipeline."""
    if queue is not None:
        try:
            checked_queue(queue)
        except InvalidQueue as exc:
            raise ValueError(f"pipeline {name!r}: {exc}") from None
    unknown = sorted(set(baseline_params or ()) - set(params.model_fields))
    if unknown:
        raise ValueError(f"pipeline {name!r}: baseline_params names no parameter {unknown}")

    def register(function: PipelineFunction) -> PipelineFunction:
        registry.add(
            Pipeline(
                name=name,
                description=description,
                params=params,
                function=function,
                retry=retry,
                error_rules=tuple(error_rules),
                module=function.__module__,
                baseline_params=None if baseline_params is None else tuple(baseline_params),
                sla=sla,
                queue=queue,
            )
        )
        return function

    return register
