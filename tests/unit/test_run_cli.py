"""`flowlab run` end to end on a small scenario written here, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flowlab.cli import app
from flowlab.commands import run as run_module
from flowlab.folders import read_manifest

SCENARIO = """\
version: 1
name: tiny-desk
description: One desk, two stages; small enough to run in a blink.
run:
  start: "2026-01-05T08:00:00+00:00"
  horizon: 4w
  warmup: 1w
  replications: 3
  seed: 42
teams:
  desk:
    capacity: 1       # one person: utilisation about 0.5 at 6/d of 1h + 1h
  fixers:
    capacity: 2
streams:
  operate:
    stages:
      - name: Log Call
        team: desk
        work: {kind: exponential, mean: 1h}
      - name: Fix
        team: fixers
        work: {kind: lognormal, mean: 4h, cv: 0.5}
items:
  call:
    stream: operate
    scenario: Handle a call
    arrival: {kind: poisson, rate: 6/d}
    route: [Log Call, Fix]
    sla: 2d
"""

OVERLOADED = SCENARIO.replace("rate: 6/d", "rate: 48/d")


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


runner = CliRunner()


class TestRun:
    """A run writes the results folder and prints the summary."""

    def test_writes_results_and_prints_summary(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = runner.invoke(app, ["run", str(scenario_file), "--out", str(out), "--workers", "1"])
        assert 0 == result.exit_code, result.output
        assert "lead time mean (completed)" in result.output
        assert "largest wait" in result.output
        assert "constraint (busiest team)" in result.output
        assert "unfinished at the horizon" in result.output
        assert f"results: {out}" in result.output.replace("\n", "")
        assert [
            "busy.parquet",
            "cases.csv",
            "event_log.parquet",
            "flowlab.json",
            "plots",
            "queues.parquet",
            "replications.csv",
            "report.html",
            "stages.csv",
            "stages_by_replication.csv",
            "summary.json",
            "tiny.yaml",
        ] == sorted(path.name for path in out.iterdir())
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert ("tiny-desk", 42, 3) == (summary["scenario"], summary["seed"], summary["replications"])
        assert (4 * 168.0, 168.0) == (summary["horizon_h"], summary["warmup_h"])
        assert "tiny.yaml" == summary["scenario_file"]
        assert set(summary["versions"]) >= {"flowlab", "simpy", "numpy", "pandas"}
        assert 3 == summary["summary"]["lead_time_mean_h"]["n"]
        manifest = read_manifest(out)
        assert ("run", ["tiny.yaml"]) == (manifest.kind, [Path(name).name for name in manifest.inputs])
        assert "event_log.parquet" in manifest.files
        log = pd.read_parquet(out / "event_log.parquet")
        assert [0, 1, 2] == sorted(log["case:replication"].unique().tolist())
        assert bool((log["case:arrival"] >= pd.Timestamp("2026-01-12T08:00:00Z")).all())  # warm-up left out

    def test_overrides_reach_the_run(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = runner.invoke(
            app,
            ["run", str(scenario_file), "--out", str(out), "--workers", "1", "--replications", "2", "--seed", "7",
             "--horizon", "2w", "--warmup", "2d"],
        )  # fmt: skip
        assert 0 == result.exit_code, result.output
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert (
            7,
            2,
            336.0,
            48.0,
        ) == (summary["seed"], summary["replications"], summary["horizon_h"], summary["warmup_h"])

    def test_same_seed_same_numbers(self, scenario_file: Path, tmp_path: Path) -> None:
        for name in ("a", "b"):
            result = runner.invoke(app, ["run", str(scenario_file), "--out", str(tmp_path / name), "--workers", "1"])
            assert 0 == result.exit_code, result.output
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "a" / "event_log.parquet"), pd.read_parquet(tmp_path / "b" / "event_log.parquet")
        )

    def test_default_folder_is_results_name_seed(self, scenario_file: Path, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.chdir(tmp_path)
        result = runner.invoke(app, ["run", str(scenario_file), "--workers", "1", "--replications", "1"])
        assert 0 == result.exit_code, result.output
        assert (tmp_path / "results" / "tiny-desk-42" / "summary.json").is_file()
        assert "no confidence interval" in result.output

    def test_rerun_replaces_the_previous_result(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "out"
        for seed in ("1", "2"):
            result = runner.invoke(
                app, ["run", str(scenario_file), "--out", str(out), "--workers", "1", "--seed", seed]
            )
            assert 0 == result.exit_code, result.output
        assert 2 == json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"]
        assert [] == [path.name for path in tmp_path.iterdir() if path.name.startswith(".")]

    def test_offered_load_warning(self, tmp_path: Path) -> None:
        path = tmp_path / "busy.yaml"
        path.write_text(OVERLOADED, encoding="utf-8")
        result = runner.invoke(
            app, ["run", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--replications", "1"]
        )
        assert 0 == result.exit_code, result.output
        assert "warning: busy.yaml:" in result.output


class TestStartAndCases:
    """--start moves the run's clock; --cases runs a number of cases until every item is done."""

    def test_cases_run_until_every_item_is_done(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = runner.invoke(
            app, ["run", str(scenario_file), "--out", str(out), "--workers", "1", "--replications", "2",
                  "--cases", "40"],
        )  # fmt: skip
        assert 0 == result.exit_code, result.output
        text = " ".join(result.output.split())
        assert (
            "2 replications of 40 cases each, until every item is done (the horizon 28.0 d caps the run; warm-up 0"
            in text
        )
        assert "every item done: 40 cases per replication" in text
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert (40, 0.0, 4 * 168.0) == (summary["max_cases"], summary["warmup_h"], summary["horizon_h"])
        assert summary["window_end_h"] < 4 * 168.0
        cases = pd.read_csv(out / "cases.csv")
        assert [40, 40] == cases.groupby("case:replication").size().tolist()  # the warm-up is 0: every case counts
        assert bool(cases["finished"].all())

    def test_a_horizon_that_cuts_the_cases_short_is_said(self, scenario_file: Path, tmp_path: Path) -> None:
        result = runner.invoke(
            app, ["run", str(scenario_file), "--out", str(tmp_path / "out"), "--workers", "1", "--replications", "2",
                  "--cases", "500", "--horizon", "1w"],
        )  # fmt: skip
        assert 0 == result.exit_code, result.output
        text = " ".join(result.output.split())
        assert "warning: the horizon 7.0 d ended 2 of 2 replications before every item was done" in text
        assert "raise --horizon to let them finish" in text

    def test_an_explicit_warmup_stays_with_cases(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = runner.invoke(
            app, ["run", str(scenario_file), "--out", str(out), "--workers", "1", "--replications", "1",
                  "--cases", "30", "--warmup", "1d"],
        )  # fmt: skip
        assert 0 == result.exit_code, result.output
        assert 24.0 == json.loads((out / "summary.json").read_text(encoding="utf-8"))["warmup_h"]

    def test_start_moves_the_clock_and_its_timezone(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = runner.invoke(
            app, ["run", str(scenario_file), "--out", str(out), "--workers", "1", "--replications", "1",
                  "--start", "2027-03-01T09:30:00+01:00"],
        )  # fmt: skip
        assert 0 == result.exit_code, result.output
        assert "from 2027-03-01T09:30:00+01:00" in " ".join(result.output.split())
        assert "2027-03-01T09:30:00+01:00" == json.loads((out / "summary.json").read_text(encoding="utf-8"))["start"]
        log = pd.read_parquet(out / "event_log.parquet")
        first, last = log["case:arrival"].min(), log["time:timestamp"].max()
        assert pd.Timestamp("2027-03-02T08:30:00Z") <= first  # after the 1-week warm-up from the new start
        assert last < pd.Timestamp("2027-03-29T08:30:00Z")  # within the 4-week horizon

    def test_start_before_a_schedule_is_refused_naming_it(self, scenario_file: Path, tmp_path: Path) -> None:
        path = tmp_path / "scheduled.yaml"
        path.write_text(
            SCENARIO.replace(
                "arrival: {kind: poisson, rate: 6/d}", 'arrival: {kind: schedule, at: ["2026-01-06T08:00:00Z"]}'
            ),
            encoding="utf-8",
        )
        result = runner.invoke(app, ["run", str(path), "--start", "2026-02-01T00:00:00+00:00"])
        assert 2 == result.exit_code
        text = " ".join(result.output.split())
        assert (
            "with --start 2026-02-01T00:00:00+00:00: scheduled.yaml: items.call.arrival.at[0] must not be before"
            in text
        )

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (["--start", "next monday"], "must be an ISO 8601 moment with a UTC offset"),
            (["--start", "2026-03-02T08:00:00"], "must carry a UTC offset such as +01:00 or Z"),
            (["--cases", "0"], "must be >= 1 (got 0)"),
        ],
        ids=["not a date", "no offset", "no cases"],
    )
    def test_bad_values_are_usage_errors(self, scenario_file: Path, arguments: list[str], message: str) -> None:
        result = runner.invoke(app, ["run", str(scenario_file), *arguments])
        assert 2 == result.exit_code
        assert message in " ".join(result.output.split())
        assert arguments[0] in result.output


class TestErrors:
    """Bad input: one clear message, exit code 2, no traceback."""

    def test_scenario_error(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text(SCENARIO.replace("capacity: 2", "capacity: -2"), encoding="utf-8")
        result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
        assert 2 == result.exit_code
        assert "bad.yaml: teams.fixers.capacity" in result.output
        assert "Traceback" not in result.output
        assert not (tmp_path / "out").exists()

    def test_missing_file(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["run", str(tmp_path / "absent.yaml")])
        assert 2 == result.exit_code
        assert "absent.yaml: cannot read the file" in result.output

    def test_warmup_not_shorter_than_horizon(self, scenario_file: Path, tmp_path: Path) -> None:
        result = runner.invoke(app, ["run", str(scenario_file), "--warmup", "5w", "--out", str(tmp_path / "out")])
        assert 2 == result.exit_code
        assert "tiny.yaml: warm-up must be shorter than the horizon" in result.output

    def test_unreadable_horizon(self, scenario_file: Path) -> None:
        result = runner.invoke(app, ["run", str(scenario_file), "--horizon", "26"])
        assert 2 == result.exit_code
        assert "cannot read duration '26'" in result.output

    def test_refuses_to_replace_a_folder_that_is_not_a_result(self, scenario_file: Path, tmp_path: Path) -> None:
        precious = tmp_path / "precious"
        precious.mkdir()
        (precious / "thesis.tex").write_text("years of work", encoding="utf-8")
        result = runner.invoke(app, ["run", str(scenario_file), "--out", str(precious), "--workers", "1"])
        assert 2 == result.exit_code
        assert "refusing to replace" in result.output
        assert ["thesis.tex"] == [path.name for path in precious.iterdir()]

    def test_missing_default_scenario(self, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.setattr(run_module, "DEFAULT_SCENARIO", tmp_path / "scenarios" / "it4it-e2e.yaml")
        result = runner.invoke(app, ["run"])
        assert 2 == result.exit_code
        assert "the default scenario" in result.output
        assert "is missing" in result.output


def test_default_scenario_is_the_e2e_chain_of_the_checkout() -> None:
    """The default is found from the package's location, not the current directory."""
    assert (
        Path(run_module.__file__).resolve().parents[2] / "scenarios" / ("it4it-e2e.yaml") == run_module.DEFAULT_SCENARIO
    )
