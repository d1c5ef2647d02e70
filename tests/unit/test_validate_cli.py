"""`flowlab validate` and `flowlab schema` through typer's CliRunner: summaries, warnings, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowlab.cli import app

SMALL = """\
version: 1
name: small
run: {start: "2026-01-05T08:00:00+00:00", horizon: 4w}
teams:
  desk: {capacity: 1}
  dev: {capacity: 2}
streams:
  operate:
    stages:
      - {name: Triage, team: desk, work: 15m}
      - {name: Fix, team: dev, work: {kind: exponential, mean: FIX_MEAN}}
items:
  ticket: {stream: operate, arrival: {kind: poisson, rate: 2/h}, route: [Triage, Fix]}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_valid_file_prints_its_summary(tmp_path: Path, runner: CliRunner) -> None:
    """Fix at 30m on 2 people: ρ = 2 × 0.5 / 2 = 0.5, desk ρ = 0.5: no warning."""
    path = write(tmp_path, "small.yaml", SMALL.replace("FIX_MEAN", "30m"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"✓ {path}: 1 streams, 2 stages, 1 item classes, 2 teams\n" == result.output


def test_overloaded_team_is_a_warning_not_an_error(tmp_path: Path, runner: CliRunner) -> None:
    """Fix at 1.2h on 2 people: ρ = 2 × 1.2 / 2 = 1.2."""
    path = write(tmp_path, "busy.yaml", SMALL.replace("FIX_MEAN", "72m"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: busy.yaml: team 'dev' is offered utilisation 1.20 (>= 1)" in result.output
    assert "desk" not in result.output


def test_bad_file_prints_the_error_and_exits_1(tmp_path: Path, runner: CliRunner) -> None:
    good = write(tmp_path, "good.yaml", SMALL.replace("FIX_MEAN", "30m"))
    bad = write(tmp_path, "bad.yaml", SMALL.replace("FIX_MEAN", "-30m"))
    result = runner.invoke(app, ["validate", str(bad), str(good)])
    assert result.exit_code == 1
    assert "bad.yaml: streams.operate.stages[1].work.mean: cannot read duration '-30m'" in result.stderr
    assert "Traceback" not in result.output
    assert f"✓ {good}: 1 streams, 2 stages, 1 item classes, 2 teams\n" == result.stdout


def test_validate_needs_a_file(runner: CliRunner) -> None:
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_schema_prints_the_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["title"] == "Scenario"
    assert {"version", "name", "description", "run", "teams", "gates", "streams", "items"} == set(schema["properties"])


def test_schema_writes_to_a_file(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "scenario.schema.json"
    result = runner.invoke(app, ["schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}\n" == result.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "Scenario"


def test_every_problem_of_a_file_is_listed(tmp_path: Path, runner: CliRunner) -> None:
    """Issue 11: validation does not stop at the first error — each field problem, and (once the fields are valid)
    each cross-reference problem, gets its own line."""
    fields = write(
        tmp_path, "fields.yaml", SMALL.replace("FIX_MEAN", "-30m").replace("desk: {capacity: 1}", "desk: {capacity: 0}")
    )
    names = write(
        tmp_path,
        "names.yaml",
        SMALL.replace("FIX_MEAN", "30m").replace("team: desk", "team: helpdesk").replace("team: dev", "team: devs"),
    )
    result = runner.invoke(app, ["validate", str(fields), str(names)])
    assert 1 == result.exit_code
    assert [
        "fields.yaml: teams.desk.capacity must be > 0 (got 0)",
        "fields.yaml: streams.operate.stages[1].work.mean: cannot read duration '-30m': expected a number with a unit: "
        "s, m, h, d or w (e.g. '30m', '4h', '2d', '1w', '1d 4h')",
        "names.yaml: streams.operate.stages[0].team 'helpdesk' is not a team (teams: 'desk', 'dev')",
        "names.yaml: streams.operate.stages[1].team 'devs' is not a team (teams: 'desk', 'dev')",
    ] == result.stderr.splitlines()


def test_the_console_script_runs_the_named_command_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`flowlab validate FILE` through `main` (the console script), which registers only `validate`."""
    from flowlab import cli

    path = write(tmp_path, "small.yaml", SMALL.replace("FIX_MEAN", "30m"))
    monkeypatch.setattr("sys.argv", ["flowlab", "validate", str(path)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert 0 == exit_info.value.code
    assert f"✓ {path}: 1 streams, 2 stages, 1 item classes, 2 teams\n" == capsys.readouterr().out
    assert ["validate"] == [command.name for command in cli.build_app(["validate"]).registered_commands]
    assert list(cli.COMMANDS) == [command.name for command in cli.app.registered_commands]
