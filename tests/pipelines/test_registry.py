"""Registration by dotted name and discovery through entry points."""

from __future__ import annotations

import pytest

from runplane.engine import service
from runplane.model import Trigger
from runplane.pipelines import SLA, NoParams, Output, Registry, UnknownPipeline, pipeline, registry
from runplane.pipelines.registry import Pipeline
from runplane.store import Database


def noop(ctx: object) -> Output:
    return Output()


def test_built_ins_are_registered_through_the_entry_point() -> None:
    assert {"runplane.noop", "runplane.sleep", "runplane.fail"} <= set(registry.names())


@pytest.mark.parametrize("name", ["noop", "Team.Job", "team..job", "team.job-1"])
def test_names_must_be_dotted_lowercase(name: str) -> None:
    with pytest.raises(ValueError, match="dotted lowercase"):
        Registry().add(Pipeline(name=name, description="", params=NoParams, function=noop))


def test_the_same_name_from_two_modules_is_refused() -> None:
    reg = Registry()
    reg.add(Pipeline("a.b", "", NoParams, noop, module="one"))
    with pytest.raises(ValueError, match="registered twice"):
        reg.add(Pipeline("a.b", "", NoParams, noop, module="two"))


def test_an_sla_is_importable_beside_pipeline_and_kept_with_it() -> None:
    assert registry.get("tests.sla").sla == SLA(max_duration="10m", complete_within="1h")


def test_an_invalid_sla_duration_is_refused_at_registration_naming_the_pipeline() -> None:
    with pytest.raises(ValueError, match=r"pipeline 'tests.bad_sla': SLA max_duration: '30 min'"):
        pipeline("tests.bad_sla", description="", sla=SLA(max_duration="30 min"))(noop)
    with pytest.raises(UnknownPipeline):
        registry.get("tests.bad_sla")


def test_unknown_pipeline_suggests_close_names_and_the_command() -> None:
    with pytest.raises(
        UnknownPipeline,
        match=r"unknown pipeline 'runplane.nop' \(did you mean runplane.noop\?\); see `runplane pipelines list`",
    ):
        registry.get("runplane.nop")
    with pytest.raises(
        UnknownPipeline, match=r"^unknown pipeline 'x.y'; see `runplane pipelines list`$"
    ):
        registry.get("x.y")


def test_a_pipeline_naming_a_bad_queue_is_refused_naming_the_pipeline() -> None:
    with pytest.raises(ValueError, match=r"pipeline 'tests.badq': queue 'no way' is not a queue"):
        pipeline("tests.badq", description="x", queue="no way")


def test_a_pipeline_routes_its_runs_and_a_run_request_overrides_it(db: Database) -> None:
    own = service.submit_execution(db, "tests.heavy", {}, trigger=Trigger.API, triggered_by="t")
    asked = service.submit_execution(
        db, "tests.heavy", {}, trigger=Trigger.API, triggered_by="t", queue="gpu"
    )
    plain = service.submit_execution(db, "runplane.noop", {}, trigger=Trigger.API, triggered_by="t")
    assert (own.queue, asked.queue, plain.queue) == ("heavy", "gpu", None)
