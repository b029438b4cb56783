"""`runplane pipelines list|show` and `runplane db upgrade`."""

from __future__ import annotations

from tests.cli.conftest import Cli


def test_list_shows_every_pipeline_with_its_last_run(cli: Cli) -> None:
    cli.run("run", "runplane.noop", "--wait")
    listed = cli.json("pipelines", "list")
    by_name = {p["name"]: p for p in listed}  # type: ignore[union-attr]
    assert by_name["runplane.noop"]["last_run"]["status"] == "completed"
    assert by_name["runplane.sleep"]["last_run"] is None
    table = cli.run("pipelines", "list").stdout.splitlines()
    sleep_row = next(line for line in table if line.startswith("runplane.sleep "))
    assert sleep_row.split()[1:3] == ["never", "run"]


def test_show_lists_parameters_with_types_defaults_and_choices(cli: Cli) -> None:
    shown = cli.run("pipelines", "show", "runplane.fail")
    assert shown.returncode == 0
    assert (
        "error (transient | data | config | dependency | unknown | crash; default 'unknown')"
        in shown.stdout
    )
    missing = cli.run("pipelines", "show", "runplane.nop")
    assert missing.returncode == 2
    assert "did you mean runplane.noop?" in missing.stderr


def test_db_upgrade_creates_then_reports_up_to_date(cli: Cli) -> None:
    first = cli.run("db", "upgrade")
    assert first.returncode == 0
    assert "Created the database at" in first.stdout
    second = cli.run("db", "upgrade")
    assert "is already at schema" in second.stdout


def test_show_leaves_no_colon_after_a_parameter_without_a_description(cli: Cli) -> None:
    shown = cli.run("pipelines", "show", "runplane.fail")
    assert shown.returncode == 0
    assert "  message (string; default 'diagnostic failure')\n" in shown.stdout


def test_a_bad_setting_is_one_line_naming_it(cli: Cli) -> None:
    cli.env["RUNPLANE_DATABASE_URL"] = "nosuchdriver://x"
    result = cli.run("executions", "list")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: invalid setting: RUNPLANE_DATABASE_URL: Can't load plugin: "
        "sqlalchemy.dialects:nosuchdriver"
    ]


def test_show_names_the_sla_in_the_advanced_tier_only(cli: Cli) -> None:
    assert "SLA" not in cli.run("pipelines", "show", "tests.sla").stdout
    cli.env["RUNPLANE_TIER"] = "advanced"
    shown = cli.run("pipelines", "show", "tests.sla").stdout
    assert "SLA\n  maximum duration 10m, completed within 1h" in shown
