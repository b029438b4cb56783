"""Registration by dotted name and discovery through entry points."""

from __future__ import annotations

import pytest

from runplane.pipelines import NoParams, Output, Registry, UnknownPipeline, registry
from runplane.pipelines.registry import Pipeline


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
