"""`flowlab sweep`: the baseline and every combination of the --set values, each as a separate run would give it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from flowlab.cli import app
from flowlab.commands.sweep import parse_setting, variant_settings
from sim.overrides import load_variant
from sim.replications import run_replications
from sim.results import collect_results
from sim.scenario import load_network
from tests.unit.test_run_cli import SCENARIO

runner = CliRunner()
FAST = ["--replications", "2", "--horizon", "2w", "--warmup", "2d", "--workers", "1"]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def _sweep(scenario_file: Path, out: Path, *settings: str) -> None:
    arguments = ["sweep", str(scenario_file), *(part for text in settings for part in ("--set", text)), *FAST]
    result = runner.invoke(app, [*arguments, "--out", str(out)])
    assert 0 == result.exit_code, result.output


def test_every_variant_equals_its_own_run(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    _sweep(scenario_file, out, "teams.fixers.capacity=1,3")
    document = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert ["baseline", "fixers.capacity=1", "fixers.capacity=3"] == [
        entry["variant"] for entry in document["variants"]
    ]
    for entry in document["variants"]:
        network = load_variant(scenario_file, entry["settings"])
        alone = collect_results(run_replications(network, replications=2, horizon_h=336.0, warmup_h=48.0, workers=1))
        folder = json.loads((out / entry["folder"] / "summary.json").read_text(encoding="utf-8"))
        assert alone.summary.to_dict() == folder["summary"] == entry["summary"]
    table = pd.read_csv(out / "variants.csv")
    assert ["(as in the file)", "1", "3"] == table["teams.fixers.capacity"].astype(str).tolist()
    # one fixer instead of two makes Fix wait longer; three make it wait less (same arrivals: same seed)
    waits = table.set_index("variant")["lead_time_mean_h"]
    assert waits["fixers.capacity=1"] > waits["baseline"] > waits["fixers.capacity=3"]
    assert (out / "plots" / "sweep.png").is_file() and (out / "plots" / "sweep.svg").is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "what-if sweep" in page and "data:image/png;base64," in page and "fixers.capacity=3" in page


def test_a_variant_folder_holds_the_scenario_it_ran(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    _sweep(scenario_file, out, "teams.fixers.capacity=3")
    (changed,) = (out / "variants").glob("01-*/tiny.yaml")
    assert 3 == load_network(changed).teams["fixers"].capacity
    assert (out / "variants" / "00-baseline" / "tiny.yaml").read_text(encoding="utf-8") == SCENARIO
    assert not (out / ".scenarios").exists()


def test_two_settings_run_every_combination(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    _sweep(scenario_file, out, "teams.fixers.capacity=1,2", "streams.operate.stages.Fix.work.cv=0.2,1")
    names = pd.read_csv(out / "variants.csv")["variant"].tolist()
    assert 5 == len(names) and "baseline" == names[0]
    assert "fixers.capacity=2, work.cv=1" in names


def test_a_setting_that_is_not_there_fails_cleanly(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", str(scenario_file), "--set", "teams.fxers.capacity=2", "--out", str(out)])
    assert 2 == result.exit_code
    assert "tiny.yaml [fxers.capacity=2]: teams.fxers.capacity: no 'fxers' under teams" in result.output
    assert not out.exists()
    assert [] == list(tmp_path.glob(".sweep*"))  # no partial folder left beside it


def test_refuses_to_replace_a_folder_that_is_not_a_sweep(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(
        app, ["sweep", str(scenario_file), "--set", "teams.fixers.capacity=3", *FAST, "--out", str(out)]
    )
    assert 2 == result.exit_code
    assert "not a flowlab sweep folder" in result.output
    assert "keep me" == (out / "notes.txt").read_text(encoding="utf-8")


class TestParsing:
    def test_values_are_yaml(self) -> None:
        assert ("teams.a.capacity", [2, 3]) == parse_setting("teams.a.capacity=2,3")
        assert ("gates.g.offset", [["1d", "3d"], ["2d"]]) == parse_setting("gates.g.offset=[1d, 3d],[2d]")

    @pytest.mark.parametrize("text", ["teams.a.capacity", "=3", "teams.a.capacity=", "a=[1"])
    def test_malformed_settings_are_usage_errors(self, text: str) -> None:
        with pytest.raises(typer.BadParameter):
            parse_setting(text)

    def test_labels_are_the_shortest_distinct_tails(self) -> None:
        names = list(variant_settings([("teams.a.capacity", [1]), ("teams.b.capacity", [2])]))
        assert ["baseline", "a.capacity=1, b.capacity=2"] == names

    def test_a_setting_given_twice_is_a_usage_error(self) -> None:
        with pytest.raises(typer.BadParameter, match=r"teams\.a\.capacity given more than once"):
            variant_settings([("teams.a.capacity", [1]), ("teams.a.capacity", [2])])
