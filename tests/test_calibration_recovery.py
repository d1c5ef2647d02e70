"""Parameter recovery: simulate a known scenario, calibrate a scenario from its log, and get the parameters back;
simulating the calibrated scenario reproduces the original's mean lead time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from flowlab.run_results import collect_results
from flowlab.scenario_yaml import dump_scenario
from mining.calibrate import calibrate_log
from sim.event_log import build_event_log
from sim.replications import run_replications
from sim.scenario import load_network

OFFICE = [0, 0, 0, 0, 0, 0, 0, 0, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 0, 0, 0, 0, 0, 0, 0, 0]  # 08:00–16:00
KNOWN = f"""\
version: 1
name: known
run: {{start: "2026-01-05T00:00:00+00:00", horizon: 16w, warmup: 0h, replications: 1, seed: 11}}
teams:
  desk: {{capacity: 3, calendar: {{weekdays: [mon, tue, wed, thu, fri], hours: ["08:00", "16:00"]}}}}
  experts: {{capacity: 2, calendar: {{weekdays: [mon, tue, wed, thu, fri], hours: ["08:00", "16:00"]}}}}
streams:
  service:
    stages:
      - {{name: Triage, team: desk, work: {{kind: lognormal, mean: 30m, cv: 0.8}}}}
      - {{name: Fix, team: experts, work: {{kind: gamma, mean: 1h, cv: 0.5}}}}
      - {{name: Check, team: desk, work: {{kind: exponential, mean: 15m}}}}
items:
  ticket:
    stream: service
    arrival:
      kind: weekly
      rates: {{mon: {OFFICE}, tue: {OFFICE}, wed: {OFFICE}, thu: {OFFICE}, fri: {OFFICE}}}
    flow:
      start: {{Triage: 1.0}}
      Triage: {{Fix: 0.7, end: 0.3}}
      Fix: {{Check: 1.0}}
      Check: {{Fix: 0.2, end: 0.8}}
"""


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    path = tmp_path_factory.mktemp("known") / "known.yaml"
    path.write_text(KNOWN, encoding="utf-8")
    network = load_network(path)
    return path, build_event_log(run_replications(network, workers=1), network.run.start)


@pytest.fixture(scope="module")
def calibrated(known: tuple[Path, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> dict:
    calibration = calibrate_log(known[1], name="recovered", seed=11)
    path = tmp_path_factory.mktemp("calibrated") / "scenario.yaml"
    path.write_text(dump_scenario(calibration.scenario, calibration.comments), encoding="utf-8")
    load_network(path)  # it is a valid scenario
    return {"document": yaml.safe_load(path.read_text(encoding="utf-8")), "path": path, "calibration": calibration}


def _hours(text: str) -> float:
    units = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
    return float(text[:-1]) * units[text[-1]]


class TestRecovery:
    def test_routing(self, calibrated: dict) -> None:
        flow = calibrated["document"]["items"]["case"]["flow"]
        assert flow["start"] == {"Triage": 1.0}
        assert flow["Triage"]["Fix"] == pytest.approx(0.7, abs=0.03)
        # routed over visit states: after the first Check, a Fix is the case's second
        assert flow["Check"]["Fix (visit 2)"] == pytest.approx(0.2, abs=0.03)
        assert flow["Fix"] == {"Check": 1.0}
        assert flow["Fix (visit 2)"] == {"Check (visit 2)": 1.0}
        # the loop is memoryless: a second Check sends the item back as often as a first
        assert flow["Check (visit 2)"]["Fix (visit 3+)"] == pytest.approx(0.2, abs=0.08)
        stages = calibrated["document"]["streams"]["calibrated"]["stages"]
        assert {stage["name"]: stage.get("activity") for stage in stages}["Check (visit 2)"] == "Check"

    def test_work_times(self, calibrated: dict) -> None:
        stages = {stage["name"]: stage for stage in calibrated["document"]["streams"]["calibrated"]["stages"]}
        for name, mean_h in (("Triage", 0.5), ("Fix", 1.0), ("Check", 0.25)):
            assert _hours(stages[name]["work"]["mean"]) == pytest.approx(mean_h, rel=0.10), name
        assert stages["Triage"]["work"]["kind"] in {"lognormal", "gamma"}
        assert stages["Fix"]["work"]["cv"] == pytest.approx(0.5, abs=0.12)
        assert not any("handoff" in stage for stage in stages.values())  # nothing waits but for people and hours

    def test_pools_and_hours(self, calibrated: dict) -> None:
        document = calibrated["document"]
        team_of = {stage["name"]: stage["team"] for stage in document["streams"]["calibrated"]["stages"]}
        assert team_of["Triage"] == team_of["Check"] != team_of["Fix"]  # the desk's people do both
        teams = document["teams"]
        assert (teams[team_of["Triage"]]["capacity"], teams[team_of["Fix"]]["capacity"]) == (3, 2)
        calendar = teams[team_of["Fix"]]["calendar"]
        assert calendar["weekdays"] == ["mon", "tue", "wed", "thu", "fri"]
        opening, closing = (int(part[:2]) + int(part[3:]) / 60 for part in calendar["hours"])
        assert opening == pytest.approx(8.0, abs=0.5) and closing == pytest.approx(16.0, abs=0.5)

    def test_arrivals(self, calibrated: dict) -> None:
        rates = calibrated["document"]["items"]["case"]["arrival"]["rates"]
        busy = [rate for day in rates.values() for rate in day[8:16]]
        assert sum(busy) / len(busy) == pytest.approx(1.5, rel=0.10)
        assert set(rates) <= {"mon", "tue", "wed", "thu", "fri"}
        assert max(rate for day in rates.values() for rate in day[:7] + day[17:]) == 0.0

    def test_the_calibrated_model_reproduces_the_lead_time(self, known: tuple[Path, pd.DataFrame],
                                                            calibrated: dict) -> None:  # fmt: skip
        original = collect_results(run_replications(load_network(known[0]), workers=1)).summary
        again = collect_results(run_replications(load_network(calibrated["path"]), workers=1)).summary
        assert again.lead_time_mean_h.mean == pytest.approx(original.lead_time_mean_h.mean, rel=0.10)


class TestCommand:
    def test_calibrate_writes_a_scenario_that_runs(self, known: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
        from typer.testing import CliRunner

        from flowlab.cli import app
        from flowlab.folders import read_manifest

        log = tmp_path / "known.parquet"
        known[1].to_parquet(log, index=False)
        out = tmp_path / "calibrated"
        result = CliRunner().invoke(app, ["calibrate", str(log), "--out", str(out)], env={"COLUMNS": "200"})
        assert 0 == result.exit_code, result.output
        assert "calibrate" == read_manifest(out).kind
        assert {"scenario.yaml", "work_fits.csv", "routing.csv", "pools.csv", "calibration.png", "report.html",
                "on_duty.csv", "on_duty.png"} <= {path.name for path in out.iterdir()}  # fmt: skip
        on_duty = pd.read_csv(out / "on_duty.csv")
        assert {"team", "hour_of_week", "seen_working", "on_duty"} <= set(on_duty.columns)
        assert len(on_duty) == 168 * on_duty["team"].nunique()  # every hour of the week, per team
        assert "Working hours per team" in (out / "report.html").read_text(encoding="utf-8")
        text = (out / "scenario.yaml").read_text(encoding="utf-8")
        assert "# lognormal" in text or "# gamma" in text or "# exponential" in text  # each fit says where it came from
        arguments = ["run", str(out / "scenario.yaml"), "--cases", "50", "--start", "2026-06-01T08:00:00+00:00"]
        run = CliRunner().invoke(app, [*arguments, "--workers", "1", "--out", str(tmp_path / "run")])
        assert 0 == run.exit_code, run.output

    def test_complete_only_log_without_resources_says_what_it_could_not_learn(
        self, known: tuple[Path, pd.DataFrame], tmp_path: Path
    ) -> None:
        log = known[1]
        columns = ["case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp"]
        bare = log.loc[log["lifecycle:transition"] == "complete", columns]
        calibration = calibrate_log(bare.reset_index(drop=True))
        notes = " ".join(calibration.notes)
        assert "no start events" in notes and "no resources" in notes
        path = tmp_path / "scenario.yaml"
        path.write_text(dump_scenario(calibration.scenario, calibration.comments), encoding="utf-8")
        load_network(path)

    def test_what_could_not_be_learned_is_in_the_scenario_notes_and_report(
        self, known: tuple[Path, pd.DataFrame], tmp_path: Path
    ) -> None:
        """A complete-only log without resources, through the command: the scenario's header, notes.txt, the console
        and the report each say that work and pools could not be learned."""
        from typer.testing import CliRunner

        from flowlab.cli import app

        columns = ["case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp"]
        log = tmp_path / "bare.parquet"
        known[1].loc[known[1]["lifecycle:transition"] == "complete", columns].to_parquet(log, index=False)
        out = tmp_path / "bare"
        result = CliRunner().invoke(app, ["calibrate", str(log), "--out", str(out)], env={"COLUMNS": "200"})
        assert 0 == result.exit_code, result.output
        header = [line for line in (out / "scenario.yaml").read_text(encoding="utf-8").splitlines()
                  if line.startswith("# Note: ")]  # fmt: skip
        assert any("no start events" in line for line in header) and any("no resources" in line for line in header)
        notes = (out / "notes.txt").read_text(encoding="utf-8")
        assert "no start events" in notes and "no resources" in notes
        assert "no start events" in " ".join(result.output.split())
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "no start events" in page and "no resources" in page

    def test_a_stage_map_names_the_stages_of_a_stream(self, known: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
        """An analyst maps the log's activities onto a value stream's stages (Triage and Check are both the desk's
        Detect Issue here) and names the stream; a name the log does not have is refused with the names it has."""
        from typer.testing import CliRunner

        from flowlab.cli import app

        log = tmp_path / "known.parquet"
        known[1].to_parquet(log, index=False)
        mapping = tmp_path / "map.yaml"
        mapping.write_text('Triage: "Detect Issue"\nCheck: "Detect Issue"\nFix: "Resolve Issue"\n', encoding="utf-8")
        out = tmp_path / "operate"
        arguments = ["calibrate", str(log), "--stage-map", str(mapping), "--stream", "operate", "--out", str(out)]
        result = CliRunner().invoke(app, arguments, env={"COLUMNS": "200"})
        assert 0 == result.exit_code, result.output
        document = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
        stages = document["streams"]["operate"]["stages"]
        assert {"Detect Issue", "Resolve Issue"} == {stage.get("activity", stage["name"]) for stage in stages}
        mapping.write_text("Nope: Detect Issue\n", encoding="utf-8")
        refused = CliRunner().invoke(app, [*arguments[:-1], str(tmp_path / "other")], env={"COLUMNS": "200"})
        assert 2 == refused.exit_code
        assert "stage map names 'Nope' are not activities of the log" in " ".join(refused.output.split())


def test_arrivals_that_do_not_follow_the_week_get_a_renewal_process(tmp_path: Path) -> None:
    """Bursty arrivals around the clock (lognormal gaps, mean 1 h, cv 2): no weekly profile, and the gaps' mean back
    within 10%."""
    path = tmp_path / "bursty.yaml"
    path.write_text("""\
version: 1
name: bursty
run: {start: "2026-01-05T00:00:00+00:00", horizon: 8w, seed: 5}
teams: {desk: {capacity: 50}}
streams: {s: {stages: [{name: Serve, team: desk, work: {kind: exponential, mean: 30m}}]}}
items:
  x: {stream: s, route: [Serve], arrival: {kind: renewal, gap: {kind: lognormal, mean: 1h, cv: 2.0}}}
""", encoding="utf-8")  # fmt: skip
    network = load_network(path)
    log = build_event_log(run_replications(network, workers=1), network.run.start)
    arrival = calibrate_log(log).scenario["items"]["case"]["arrival"]
    assert "renewal" == arrival["kind"]
    assert _hours(arrival["gap"]["mean"]) == pytest.approx(1.0, rel=0.10)


def test_a_repeat_count_that_is_not_geometric_is_reproduced(tmp_path: Path) -> None:
    """Every case calls the customer exactly twice: a first-order chain over activities can only give a geometric
    number of calls (1, 2, 3 … with one probability of calling again); routed over visit states, the second call
    leaves and the simulated log says "Call" for both."""
    rows = []
    start = pd.Timestamp("2026-03-02 08:00", tz="UTC")
    for number in range(120):
        arrival = start + pd.Timedelta(hours=2 * number)
        for step, (activity, offset_h) in enumerate((("Offer", 0.0), ("Call", 20.0), ("Call", 44.0))):
            begin = arrival + pd.Timedelta(hours=offset_h)
            for transition, moment in (("start", begin), ("complete", begin + pd.Timedelta(minutes=15))):
                rows.append({"case:concept:name": f"c{number}", "concept:name": activity, "org:resource": "ann",
                             "lifecycle:transition": transition, "time:timestamp": moment, "step": step})
    log = pd.DataFrame(rows).drop(columns="step")
    calibration = calibrate_log(log, name="calls")
    flow = calibration.scenario["items"]["case"]["flow"]
    assert flow["Offer"] == {"Call": 1.0}
    assert flow["Call"] == {"Call (visit 2)": 1.0}
    assert flow["Call (visit 2)"] == {"end": 1.0}
    first_order = calibrate_log(log, name="calls", repeats=1).scenario["items"]["case"]["flow"]
    assert first_order["Call"] == {"Call": 0.5, "end": 0.5}  # the geometric chain it replaces
    path = tmp_path / "calls.yaml"
    path.write_text(dump_scenario(calibration.scenario, calibration.comments), encoding="utf-8")
    network = load_network(path)
    replications = run_replications(network, workers=1)
    simulated = build_event_log(replications, network.run.start)
    finished = set(replications.cases.loc[replications.cases["complete_h"].notna(), "case"])
    complete = simulated["lifecycle:transition"] == "complete"
    done = simulated.loc[complete & simulated["case:concept:name"].isin(finished)]
    assert set(done["concept:name"]) == {"Offer", "Call"}
    calls = done.loc[done["concept:name"] == "Call"].groupby("case:concept:name").size()
    assert len(calls) > 50 and set(calls) == {2}


SHIFTS = [0.0] * 6 + [1.2] * 16 + [0.0] * 2  # 06:00–22:00
PEOPLE = f"""\
version: 1
name: shifts
run: {{start: "2026-01-05T00:00:00+00:00", horizon: 40w, warmup: 0h, replications: 1, seed: 3}}
teams:
  desk:
    people:
      - {{name: early, count: 2, calendar: {{weekdays: [mon, tue, wed, thu, fri], hours: ["06:00", "14:00"]}}}}
      - {{name: late, count: 1, calendar: {{weekdays: [mon, tue, wed, thu, fri], hours: ["14:00", "22:00"]}}}}
streams:
  service:
    stages:
      - {{name: Serve, team: desk, work: {{kind: lognormal, mean: 30m, cv: 0.6}}}}
items:
  ticket:
    stream: service
    route: [Serve]
    arrival:
      kind: weekly
      rates: {{mon: {SHIFTS}, tue: {SHIFTS}, wed: {SHIFTS}, thu: {SHIFTS}, fri: {SHIFTS}}}
"""


def test_people_who_keep_different_hours_are_recovered(tmp_path: Path) -> None:
    """Two early-shift people and one late-shift person share a desk: calibrated per person, the desk gets the two
    groups back with their hours (to the half hour) and head counts, and the calibrated model's mean lead time is
    the original's within 10% (40 weeks: the weekly arrival profile is learned per hour of the week); one calendar
    for the whole desk (`calendars="team"`) puts all three on duty from 06 to 22 and halves the lead time."""
    path = tmp_path / "shifts.yaml"
    path.write_text(PEOPLE, encoding="utf-8")
    network = load_network(path)
    log = build_event_log(run_replications(network, workers=1), network.run.start)
    calibration = calibrate_log(log, seed=3)
    desk = calibration.scenario["teams"]["team-1"]
    groups = [(group["count"], group["calendar"]["weekdays"], group["calendar"]["hours"]) for group in desk["people"]]
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    assert len(groups) == 2 and "capacity" not in desk  # the sum of the counts: a what-if may change one alone
    (early_count, early_days, early_hours), (late_count, late_days, late_hours) = groups
    assert (early_count, late_count) == (2, 1) and early_days == late_days == weekdays
    clock = [int(text[:2]) + int(text[3:]) / 60 for text in early_hours + late_hours]
    assert clock == pytest.approx([6, 14, 14, 22], abs=0.5)
    again = tmp_path / "calibrated.yaml"
    again.write_text(dump_scenario(calibration.scenario, calibration.comments), encoding="utf-8")
    original = collect_results(run_replications(network, workers=1)).summary.lead_time_mean_h.mean
    calibrated = collect_results(run_replications(load_network(again), workers=1)).summary.lead_time_mean_h.mean
    assert calibrated == pytest.approx(original, rel=0.10)
    # one calendar for the desk puts all three on duty 06–22: half the lead time the shifts give (measured 1.08 h
    # against 2.81 h; jobs under way at 14:00 and 22:00 wait for their person's next shift)
    one = calibrate_log(log, seed=3, calendars="team")
    assert "people" not in one.scenario["teams"]["team-1"]
    assert one.scenario["teams"]["team-1"]["calendar"]["hours"] == ["06:00", "22:00"]
    again.write_text(dump_scenario(one.scenario, one.comments), encoding="utf-8")
    shorter = collect_results(run_replications(load_network(again), workers=1)).summary.lead_time_mean_h.mean
    assert shorter < original / 2
