"""Loading data domains: entry points of `runplane.pipelines` name a plain module of
pipelines or a `Domain`; settings name them the same way; each domain is loaded once."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from types import ModuleType

import pytest

from runplane.domains.finra_otc import domain as finra
from runplane.pipelines import registry
from runplane.plugins import ENTRY_POINT_GROUP, Domain, load_domains, resolve, resolve_all
from tests.support import sample_feed


def _entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_the_installed_entry_points_are_the_builtin_pipelines_and_finra() -> None:
    assert load_domains() == (finra,)
    assert {"runplane.noop", "finra.otc_transparency.ingest_week"} <= set(registry.names())


def test_an_entry_point_names_a_module_of_pipelines_or_a_domain() -> None:
    installed = [
        _entry("builtin", "runplane.pipelines.builtin"),
        _entry("sample_feed", "tests.support.sample_feed:domain"),
    ]
    assert load_domains(installed=installed) == (sample_feed.domain,)
    assert "tests.sample_feed.load_day" in registry.names()


def test_settings_name_domains_as_entry_points_do_and_each_loads_once() -> None:
    found = load_domains([sample_feed.REFERENCE, "tests.support.pipelines", sample_feed.REFERENCE])
    assert found == (finra, sample_feed.domain)


def test_two_domains_of_one_name_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    impostor = ModuleType("impostor")
    impostor.domain = Domain(name="finra_otc")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "impostor", impostor)
    with pytest.raises(ValueError, match="two installed domains are named 'finra_otc'"):
        load_domains(["impostor:domain"])


def test_a_reference_names_a_module_or_an_attribute_in_it() -> None:
    import runplane.pipelines.builtin as builtin

    assert resolve("runplane.pipelines.builtin") is builtin
    assert resolve("runplane.pipelines.builtin:noop") is builtin.noop
    assert resolve_all([finra], "api")[0].prefix == "/v1/assets"


def test_a_domain_name_is_lowercase_as_it_names_a_branch_and_a_folder() -> None:
    with pytest.raises(ValueError, match="must be lowercase"):
        Domain(name="Sales-Feed")
