"""`flowlab sweep`: the baseline and every combination (or, zipped, every position) of the --set values, each as a
separate run would give it, judged by its paired difference to the baseline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
import typer
from scipy import stats
from typer.testing import CliRunner

from flowlab.cli import app
from flowlab.folders import read_manifest
from flowlab.run_results import collect_results
from flowlab.sweeping import parse_setting, variant_settings
from sim.overrides import load_variant
from sim.replications import run_replications
from sim.scenario import load_network
from tests.unit.test_run_cli import SCENARIO

runner = CliRunner()
FAST = ["--replications", "2", "--horizon", "2w", "--warmup", "2d", "--workers", "1"]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def _sweep(scenario_file: Path, out: Path, *settings: str, options: tuple[str, ...] = FAST) -> str:
    arguments = ["sweep", str(scenario_file), *(part for text in settings for part in ("--set", text)), *options]
    result = runner.invoke(app, [*arguments, "--out", str(out)])
    assert 0 == result.exit_code, result.output
    return result.output


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


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
    assert (out / "plots" / "sweep.png").is_file() and not (out / "plots" / "sweep.svg").exists()  # SVG: --svg
    assert (out / "plots" / "sweep_groups.png").is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "what-if sweep" in page and "data:image/png;base64," in page and "fixers.capacity=3" in page
    assert "Δ lead time mean (h)" in page and "Per work item class" in page and "Per stream" in page
    manifest = read_manifest(out)
    assert "sweep" == manifest.kind
    assert (str(scenario_file),) == manifest.inputs
    assert f"flowlab sweep {scenario_file} --set teams.fixers.capacity=1,3" == manifest.command
    assert {"sweep.json", "variants.csv", "variants/00-baseline/summary.json"} <= set(manifest.files)


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
    # rich folds the long path, at a space or inside the path, depending on its length: compare without whitespace
    expected = f"refusing to replace {out}: it exists and is not a flowlab results folder"
    assert "".join(expected.split()) in "".join(result.output.split())
    assert "keep me" == (out / "notes.txt").read_text(encoding="utf-8")
    assert ["notes.txt"] == [path.name for path in out.iterdir()]
    assert ["precious", "tiny.yaml"] == sorted(path.name for path in tmp_path.iterdir())


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


# One desk at 20 calls a day of about 1 h each is 83% busy: its queue holds most of the lead time.
HIGH_LOAD = SCENARIO.replace("rate: 6/d", "rate: 20/d").replace("mean: 4h, cv: 0.5", "mean: 1h, cv: 0.5")

TWO_STREAMS = """\
version: 1
name: two-streams
run:
  start: "2026-01-05T08:00:00+00:00"
  horizon: 3w
  warmup: 2d
  replications: 3
  seed: 7
teams:
  desk:
    capacity: 1
  devs:
    capacity: 2
streams:
  operate:
    stages:
      - name: Log Call
        team: desk
        work: {kind: exponential, mean: 1h}
  deliver:
    stages:
      - name: Build
        team: devs
        work: {kind: exponential, mean: 4h}
items:
  call:
    stream: operate
    scenario: Handle a call
    arrival: {kind: poisson, rate: 6/d}
    route: [Log Call]
    sla: 1d
  incident:
    stream: operate
    scenario: Fix an incident
    arrival: {kind: poisson, rate: 4/d}
    route: [Log Call]
    priority: 1
    sla: 4h
  feature:
    stream: deliver
    scenario: Build a feature
    arrival: {kind: poisson, rate: 3/d}
    route: [Build]
"""
MEASURE_STEMS = ("lead_time_mean", "lead_time_p85", "flow_efficiency_total", "throughput", "wip", "sla_attainment")
DIFFERENCES = ("lead_time_mean_diff_h", "lead_time_p85_diff_h", "flow_efficiency_total_diff", "throughput_diff_per_day",
               "wip_diff", "sla_attainment_diff")  # fmt: skip


class TestPairedDifferences:
    """A variant is judged by variant − baseline replication by replication (common random numbers)."""

    def test_a_change_that_changes_nothing_is_no_real_difference(self, scenario_file: Path, tmp_path: Path) -> None:
        """The file has two fixers: "2" again runs the very same simulation, so every difference is exactly 0."""
        out = tmp_path / "sweep"
        output = _sweep(scenario_file, out, "teams.fixers.capacity=2")
        for name in ("variants.csv", "variants_by_class.csv", "variants_by_stream.csv"):
            same = _read(out / name).query("variant == 'fixers.capacity=2'")
            assert not same.empty, name
            assert (same[list(DIFFERENCES)] == 0.0).all().all(), name
            assert (same[[f"{stem}_diff_ci{unit}" for stem, unit in _units()]] == 0.0).all().all(), name
            assert not same[[f"{stem}_diff_real" for stem in MEASURE_STEMS]].any().any(), name
        document = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
        assert document["winner"] is None
        (entry,) = [entry for entry in document["variants"] if entry["variant"] == "fixers.capacity=2"]
        assert {"mean": 0.0, "half_width": 0.0, "real": False} == entry["differences"]["lead_time_mean_h"]
        flat = " ".join(output.split())
        assert "fixers.capacity=2: mean lead time +0.00 h (95% CI +0.00 to +0.00 h) — no real difference" in flat
        assert "winner: none — no real difference in mean lead time from the baseline" in flat

    def test_one_replication_gives_no_interval_and_is_not_real(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "sweep"
        options = ("--replications", "1", "--horizon", "2w", "--warmup", "2d", "--workers", "1")
        output = _sweep(scenario_file, out, "teams.fixers.capacity=3", options=options)
        row = _read(out / "variants.csv").set_index("variant").loc["fixers.capacity=3"]
        assert math.isnan(row["lead_time_mean_diff_ci_h"])
        assert not row["lead_time_mean_diff_real"]
        assert "no interval) — no real difference" in " ".join(output.split())

    def test_more_people_at_the_bottleneck_is_a_real_reduction(self, tmp_path: Path) -> None:
        scenario = tmp_path / "busy.yaml"
        scenario.write_text(HIGH_LOAD, encoding="utf-8")
        out = tmp_path / "sweep"
        options = ("--replications", "5", "--horizon", "2w", "--warmup", "2d", "--workers", "1")
        output = _sweep(scenario, out, "teams.desk.capacity=3", options=options)
        row = _read(out / "variants.csv").set_index("variant").loc["desk.capacity=3"]
        # the paired difference and its interval, by hand from the two folders' per-replication lead times
        document = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
        folders = {entry["variant"]: out / entry["folder"] for entry in document["variants"]}
        lead = {
            name: pd.read_csv(folder / "replications.csv").set_index("replication")["lead_time_mean_h"]
            for name, folder in folders.items()
        }
        differences = lead["desk.capacity=3"] - lead["baseline"]
        half_width = stats.t.ppf(0.975, 4) * differences.std(ddof=1) / math.sqrt(5)
        assert pytest.approx(differences.mean(), rel=1e-9) == row["lead_time_mean_diff_h"]
        assert pytest.approx(half_width, rel=1e-9) == row["lead_time_mean_diff_ci_h"]
        assert row["lead_time_mean_diff_h"] + row["lead_time_mean_diff_ci_h"] < 0  # the whole interval below 0
        assert row["lead_time_mean_diff_real"]
        assert (
            row["lead_time_mean_h"]
            < _read(out / "variants.csv").set_index("variant").loc["baseline", "lead_time_mean_h"]
        )
        assert "desk.capacity=3" == document["winner"]
        assert "winner: desk.capacity=3 (mean lead time" in " ".join(output.split())
        # the per-class row of the only class has the same lead time difference
        by_class = _read(out / "variants_by_class.csv").set_index(["variant", "item"])
        assert (
            pytest.approx(row["lead_time_mean_diff_h"], rel=1e-9)
            == by_class.loc[("desk.capacity=3", "call"), "lead_time_mean_diff_h"]
        )


def _units() -> list[tuple[str, str]]:
    return [(stem, "_h" if stem.startswith("lead_time") else "_per_day" if stem == "throughput" else "")
            for stem in MEASURE_STEMS]  # fmt: skip


class TestTablesPerClassAndStream:
    """variants_by_class.csv and variants_by_stream.csv: one row per variant and group, consistent with the whole."""

    def test_groups_add_up_to_the_whole(self, tmp_path: Path) -> None:
        scenario = tmp_path / "two.yaml"
        scenario.write_text(TWO_STREAMS, encoding="utf-8")
        out = tmp_path / "sweep"
        _sweep(scenario, out, "teams.desk.capacity=2", options=FAST)
        overall = _read(out / "variants.csv").set_index("variant")
        by_class = _read(out / "variants_by_class.csv")
        by_stream = _read(out / "variants_by_stream.csv")
        assert ["variant", "item"] == list(by_class.columns[:2])
        assert ["variant", "stream"] == list(by_stream.columns[:2])
        assert {("baseline", "call"), ("baseline", "incident"), ("baseline", "feature")} <= set(
            zip(by_class["variant"], by_class["item"], strict=True)
        )
        assert 2 * 3 == len(by_class) and 2 * 2 == len(by_stream)
        # counts, throughput and WIP (and their paired differences) add up over the classes and over the streams
        for groups in (by_class, by_stream):
            summed = groups.groupby("variant")[
                ["completed", "throughput_per_day", "wip", "throughput_diff_per_day", "wip_diff"]
            ].sum()
            assert (overall["completed"] == summed["completed"]).all()
            for column in ("throughput_per_day", "wip", "throughput_diff_per_day", "wip_diff"):
                assert pytest.approx(overall[column].to_dict(), abs=1e-9) == summed[column].to_dict(), column
        # a stream with one class is that class
        stream = by_stream.loc[by_stream["stream"] == "deliver"].drop(columns="stream").reset_index(drop=True)
        item = by_class.loc[by_class["item"] == "feature"].drop(columns="item").reset_index(drop=True)
        pd.testing.assert_frame_equal(item, stream)
        # another desk person changes nothing in deliver: its differences are exactly 0 and not real
        deliver = stream.set_index("variant").loc["desk.capacity=2"]
        assert 0.0 == deliver["lead_time_mean_diff_h"] and not deliver["lead_time_mean_diff_real"]
        # the operate stream's top bottleneck is Log Call, deliver's is Build
        stages = by_stream.loc[by_stream["variant"] == "baseline"].set_index("stream")["bottleneck"]
        assert {"operate": "Log Call", "deliver": "Build"} == stages.to_dict()

    def test_one_unit_per_column(self, scenario_file: Path, tmp_path: Path) -> None:
        """Hours in columns ending _h, shares as fractions 0–1, throughput per day; no percentages in the files."""
        out = tmp_path / "sweep"
        _sweep(scenario_file, out, "teams.fixers.capacity=1,3")
        table = _read(out / "variants.csv")
        durations = [column for column in table.columns if column.startswith("lead_time") and "real" not in column]
        assert durations and all(column.endswith("_h") for column in durations)
        for column in ("flow_efficiency_total", "sla_attainment", "bottleneck_wait_share", "bottleneck_utilisation"):
            assert table[column].between(0.0, 1.0).all(), column
        rates = [column for column in table.columns if column.startswith("throughput") and "real" not in column]
        assert 4 == len(rates) and all(column.endswith("_per_day") for column in rates)
        document = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
        by_class = document["variants"][1]["by_class"][0]
        assert "call" == by_class["item"] and 0.0 <= by_class["flow_efficiency_total"] <= 1.0


class TestZip:
    """--zip pairs the values of the --set options by position instead of crossing them."""

    def test_zip_and_cross_variant_counts(self, scenario_file: Path, tmp_path: Path) -> None:
        settings = ("teams.fixers.capacity=1,3", "teams.desk.capacity=2,3")
        _sweep(scenario_file, tmp_path / "zip", *settings, options=("--zip", *FAST))
        zipped = json.loads((tmp_path / "zip" / "sweep.json").read_text(encoding="utf-8"))
        assert ["baseline", "fixers.capacity=1, desk.capacity=2", "fixers.capacity=3, desk.capacity=3"] == [
            entry["variant"] for entry in zipped["variants"]
        ]
        assert [{}, {"teams.fixers.capacity": 1, "teams.desk.capacity": 2},
                {"teams.fixers.capacity": 3, "teams.desk.capacity": 3}] == [
            entry["settings"] for entry in zipped["variants"]
        ]  # fmt: skip
        assert "zipped by position" == zipped["combined"]
        crossed = variant_settings([parse_setting(text) for text in settings])
        assert 1 + 2 * 2 == len(crossed)
        assert 1 + 2 == len(variant_settings([parse_setting(text) for text in settings], zipped=True))

    def test_unequal_lengths_are_a_usage_error(self, scenario_file: Path, tmp_path: Path) -> None:
        out = tmp_path / "sweep"
        result = runner.invoke(
            app,
            ["sweep", str(scenario_file), "--zip", "--set", "teams.fixers.capacity=1,2,3",
             "--set", "teams.desk.capacity=1,2", *FAST, "--out", str(out)],
        )  # fmt: skip
        assert 2 == result.exit_code
        flat = " ".join(result.output.replace("│", " ").split())
        assert "teams.fixers.capacity has 3, teams.desk.capacity has 2" in flat
        assert "--zip" in flat
        assert not out.exists()

    def test_variants_that_would_pair_different_replications_are_refused(
        self, scenario_file: Path, tmp_path: Path
    ) -> None:
        out = tmp_path / "sweep"
        result = runner.invoke(
            app, ["sweep", str(scenario_file), "--set", "run.replications=2", "--horizon", "2w", "--out", str(out)]
        )
        assert 2 == result.exit_code
        flat = " ".join(result.output.split())
        assert "different numbers of replications (baseline: 3, run.replications=2: 2)" in flat
        assert not out.exists()


class TestLabels:
    """Variant names: the shortest distinguishing tail of each path and the value; always unique."""

    def test_paths_with_a_long_common_prefix(self) -> None:
        stage = "streams.integrate.stages.Accept & Publish Release"
        names = list(variant_settings([(f"{stage}.batch.size", [4, 8]), (f"{stage}.batch.timeout", ["1w"])]))
        assert ["baseline", "batch.size=4, batch.timeout=1w", "batch.size=8, batch.timeout=1w"] == names

    def test_paths_that_differ_in_the_middle(self) -> None:
        names = list(
            variant_settings(
                [("streams.operate.stages.Fix.work.mean", ["2h"]), ("streams.deliver.stages.Fix.work.mean", ["3h"])]
            )
        )
        assert ["baseline", "operate.stages.Fix.work.mean=2h, deliver.stages.Fix.work.mean=3h"] == names

    def test_a_path_that_ends_another(self) -> None:
        labels = list(variant_settings([("a.b.c", [1]), ("x.a.b.c", [2])], zipped=True))
        assert ["baseline", "a.b.c=1, x.a.b.c=2"] == labels

    def test_values_that_print_alike_get_distinct_names(self) -> None:
        names = list(variant_settings([parse_setting("teams.a.capacity=1,'1',1.0,true")]))
        assert ["baseline", "a.capacity=1", 'a.capacity="1"', "a.capacity=1.0", "a.capacity=true"] == names

    def test_the_same_variant_twice_is_a_usage_error(self) -> None:
        with pytest.raises(typer.BadParameter, match=r"a\.capacity=3 would run twice"):
            variant_settings([parse_setting("teams.a.capacity=3,3")])
        with pytest.raises(typer.BadParameter, match=r"x\.a=1, x\.b=2 would run twice"):
            variant_settings([("x.a", [1, 1]), ("x.b", [2, 2])], zipped=True)

    def test_spaces_around_the_dots_name_the_same_setting(self) -> None:
        assert ("teams.a.capacity", [2]) == parse_setting(" teams . a.capacity =2")
