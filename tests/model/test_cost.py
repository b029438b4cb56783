"""Cost arithmetic, rate versions and the sentence that explains a figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runplane.model.cost import (
    GB,
    Cost,
    ExitUsage,
    RateCard,
    Rates,
    Usage,
    cost_of,
    explain,
    gb_seconds,
    money,
    price,
)

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
RATES = Rates(cpu_hour=0.05, gb_hour=0.01, currency="USD")


def test_a_cost_is_cpu_hours_and_gb_hours_at_their_rates() -> None:
    assert price(Usage(cpu_seconds=3600, gb_seconds=7200), RATES) == pytest.approx(0.07)
    assert price(Usage(cpu_seconds=0.42, gb_seconds=1.3), RATES) == pytest.approx(
        0.42 / 3600 * 0.05 + 1.3 / 3600 * 0.01
    )


def test_the_rates_version_is_stable_and_changes_with_any_rate() -> None:
    assert RATES.version == Rates(0.05, 0.01, "USD").version
    assert RATES.version.startswith("v")
    assert len(RATES.version) == 8
    others = {Rates(0.06, 0.01, "USD").version, Rates(0.05, 0.02, "USD").version}
    others.add(Rates(0.05, 0.01, "EUR").version)
    assert RATES.version not in others
    assert len(others) == 3


def test_a_pipeline_of_its_own_is_priced_at_its_rates() -> None:
    heavy = Rates(0.5, 0.1, "USD")
    card = RateCard(RATES, {"team.heavy": heavy})
    assert card.for_pipeline("team.heavy") is heavy
    assert card.for_pipeline("team.light") is RATES


def test_memory_integrates_the_samples_over_the_wall_time() -> None:
    samples = [(T0 + timedelta(seconds=1), GB), (T0 + timedelta(seconds=3), 3 * GB)]
    # 1 s at 1 GB before the first sample, 2 s rising 1 -> 3 GB, 1 s falling 3 -> 1 GB
    assert gb_seconds(
        samples, started=T0, ended=T0 + timedelta(seconds=4), end_rss=GB
    ) == pytest.approx(1 + 4 + 2)


def test_without_samples_the_exit_peak_holds_for_the_whole_run() -> None:
    assert gb_seconds([], started=T0, ended=T0 + timedelta(seconds=2), end_rss=GB // 2) == 1.0


def test_the_cpu_figure_is_the_larger_of_the_exit_and_the_last_sample() -> None:
    samples = [(T0 + timedelta(seconds=1), GB, 2.5)]
    cost, peak = cost_of(
        rates=RATES, exit_usage=ExitUsage(cpu_seconds=1.0, peak_rss_bytes=2 * GB),
        samples=samples, started=T0, ended=T0 + timedelta(seconds=2),
    )  # fmt: skip
    assert cost.cpu_seconds == 2.5  # a child alive at the end is only in the samples
    assert peak == 2 * GB
    short, _ = cost_of(
        rates=RATES, exit_usage=ExitUsage(cpu_seconds=0.05, peak_rss_bytes=GB),
        samples=[], started=T0, ended=T0 + timedelta(milliseconds=50),
    )  # fmt: skip
    assert short.cpu_seconds == 0.05
    assert short.gb_seconds == pytest.approx(0.05)
    assert short.rates_version == RATES.version


def test_the_explanation_shows_the_arithmetic_at_the_recorded_rates() -> None:
    cost = Cost(
        amount=price(Usage(0.42, 1.3), RATES), currency="USD", cpu_seconds=0.42,
        gb_seconds=1.3, rates_version=RATES.version,
    )  # fmt: skip
    assert explain(cost, RATES) == (
        f"0.42 CPU-s × 0.05 USD/CPU-h + 1.3 GB-s × 0.01 USD/GB-h = 0.00000944 USD, "
        f"rates {RATES.version}, recorded at finish"
    )
    assert explain(cost, None).startswith("0.42 CPU-s and 1.3 GB-s at the rates then in force")


def test_amounts_read_in_plain_decimals() -> None:
    assert money(0.42, "USD") == "0.42 USD"
    assert money(12.0, "EUR") == "12 EUR"
    assert money(0.000123456, "USD") == "0.000123 USD"
    assert money(0, "USD") == "0 USD"
