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
