"""Contract: the simulator's event log, written to a file and read back by `mining`, gives back what was simulated.

A deterministic scenario (fixed work times, interval arrivals, hand-off delay, no competition for servers except
where the trace says so) has a routing and times we know exactly; mining must recover them from the file alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from mining import LogRepairWarning, compute_case_times, compute_stage_times, discover_dfg, read_log, summarize_stages
from sim import Replications, build_event_log, load_network, run_replications, simulate
from sim.distributions import Fixed
from sim.network import ItemClass, Network, RunSettings, ScheduledArrivals, Stage, Team, WorkingCalendar

DETERMINISTIC = """\
version: 1
name: contract-line
run:
  start: "2026-03-02T09:00:00+00:00"
  horizon: 100h
  replications: 1
  seed: 7
teams:
  analysts: {capacity: 1}
  builders: {capacity: 1}
  testers: {capacity: 5}
streams:
  integrate:
    stages:
      - {name: Analyse, team: analysts, work: 2h}
      - {name: Build, team: builders, work: 3h, handoff: 1h}
      - {name: Test, team: testers, work: 30m}
items:
  feature:
    stream: integrate
    arrival: {kind: interval, every: 4h}
    route: [Analyse, Build, Test]
"""


@pytest.fixture(scope="module")
def simulated_log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("contract")
    scenario = folder / "line.yaml"
    scenario.write_text(DETERMINISTIC, encoding="utf-8")
    network = load_network(scenario)
    replications = run_replications(network, workers=1)
    log = build_event_log(replications, network.run.start)
    path = folder / "event_log.parquet"
    log.to_parquet(path)
    return path


def _read(path: Path) -> pd.DataFrame:
    """Read the file as a user would; the one visit the 100h horizon cuts short is dropped as a counted repair."""
    with pytest.warns(LogRepairWarning, match=r"dropped 1 start event\(s\) without a complete event"):
        return read_log(path)


def test_routing_comes_back(simulated_log_file: Path) -> None:
    """The directly-follows graph of the mined file is exactly the simulated route."""
    graph = discover_dfg(_read(simulated_log_file))
    assert {("Analyse", "Build"), ("Build", "Test")} == set(graph.edges)


def test_stage_times_come_back(simulated_log_file: Path) -> None:
    """Arrivals every 4h; Analyse 2h; 1h hand-off; Build 3h; Test 30m: no item ever queues for a server.

    So every Analyse wait is 0, every Build wait is the 1h hand-off, every Test wait 0, and the lead time of a
    completed case is 2 + 1 + 3 + 0.5 = 6.5h with 5.5h of work: flow efficiency 5.5 / 6.5.
    """
    log = _read(simulated_log_file)
    stages = summarize_stages(compute_stage_times(log)).set_index("concept:name")
    assert {"Analyse": 0.0, "Build": 1.0, "Test": 0.0} == stages["wait_mean_h"].round(9).to_dict()
    assert {"Analyse": 2.0, "Build": 3.0, "Test": 0.5} == stages["work_mean_h"].round(9).to_dict()
    assert not stages["estimated"].any()

    cases = compute_case_times(log)
    finished = cases[cases["finished"]]
    assert (cases.loc[~cases["finished"], "lead_time_h"].isna()).all()  # an unfinished case has no lead time yet
    # arrivals at 0, 4, ..., 96h; those arriving by 93.5h finish inside the 100h horizon: 0, 4, ..., 92 -> 24 cases
    assert 24 == len(finished)
    assert [6.5] == sorted(finished["lead_time_h"].round(9).unique())
    assert [pytest.approx(5.5 / 6.5)] == list(finished["flow_efficiency"].round(12).unique())


def test_case_attributes_survive_the_file(simulated_log_file: Path) -> None:
    """The case attributes of DESIGN.md ride along unchanged; timestamps stay UTC."""
    log = _read(simulated_log_file)
    for column in (
        "case:item", "case:stream", "case:scenario", "case:replication", "case:arrival", "org:resource", "org:group"
    ):
        assert column in log.columns
    assert {"feature"} == set(log["case:item"])
    assert {"analysts", "builders", "testers"} == set(log["org:group"])
    # One tester at a time is busy (30 m every 4 h); the one idle longest takes the next test, so all five appear.
    testers = {f"testers-{k}" for k in range(1, 6)}
    assert {"analysts-1", "builders-1"} | testers == set(log["org:resource"].dropna())
    assert log.loc[log["org:resource"].isna(), "lifecycle:transition"].eq("schedule").all()
    assert "UTC" == str(log["time:timestamp"].dt.tz)
    first = log.sort_values("time:timestamp").iloc[0]
    assert pd.Timestamp("2026-03-02T09:00:00Z") == first["time:timestamp"]


def test_flowlab_mine_reads_the_simulated_log_unchanged(simulated_log_file: Path, tmp_path: Path) -> None:
    """`flowlab mine` takes the simulator's file as it is and finds the same stages, waits and no estimate."""
    import json

    from typer.testing import CliRunner

    from flowlab.cli import app

    out = tmp_path / "mined"
    result = CliRunner().invoke(app, ["mine", str(simulated_log_file), "--out", str(out), "--no-conformance"])
    assert 0 == result.exit_code, result.output
    stages = pd.read_csv(out / "stage_summary.csv").set_index("concept:name")
    assert {"Analyse": 0.0, "Build": 1.0, "Test": 0.0} == stages["wait_mean_h"].round(9).to_dict()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["flow"]["estimated"] is False
    assert "Build" == summary["bottlenecks"][0]["concept:name"]  # the only stage with waiting: the 1h hand-off


def test_calendared_work_comes_back_as_working_hours(tmp_path: Path) -> None:
    """A 1 h job started Friday 16:30 by a Mon–Fri 09:00–17:00 team: the written log, read back, gives 1 h of work
    (the weekend between its suspend and resume does not count) and 0 h of wait (it started when it was ready)."""
    office = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=9.0, day_end_h=17.0)
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    network = Network(
        name="calendar",
        run=RunSettings(start=monday, horizon_h=400.0),
        teams={"T": Team("T", 1, calendar=office)},
        stages={"S": Stage("S", "s", "T", Fixed(1.0))},
        item_classes={"x": ItemClass("x", "s", ("S",), ScheduledArrivals((4 * 24 + 16.5,)))},
    )
    replications = Replications(network=network, recordings=(simulate(network, seed=1),))
    path = tmp_path / "calendar.parquet"
    build_event_log(replications, monday).to_parquet(path)
    log = read_log(path)
    assert ["schedule", "start", "suspend", "resume", "complete"] == log["lifecycle:transition"].tolist()
    stage = compute_stage_times(log).iloc[0]
    assert (1.0, 0.0) == (stage["work_h"], stage["wait_h"])
    case = compute_case_times(log).iloc[0]
    assert 65.0 == case["lead_time_h"]  # Friday 16:30 to Monday 09:30
    assert case["finished"]


def test_one_person_queue_waits_are_all_contention() -> None:
    """M/M/1-like desk (one person, no calendar, no gate or hand-off): an item waits exactly while the person works
    on others, so the log's contention equals the simulator's wait for people, visit by visit on average, and the
    log finds no other cause."""
    from flowlab.run_results import collect_results
    from mining.wait_causes import compute_wait_causes, summarize_wait_causes
    from sim.distributions import Exponential
    from sim.network import PoissonArrivals

    network = Network(
        name="desk",
        run=RunSettings(start=datetime(2026, 1, 5, tzinfo=UTC), horizon_h=2000.0),
        teams={"desk": Team("desk", 1)},
        stages={"Serve": Stage("Serve", "operate", "desk", Exponential(1.0))},
        item_classes={"call": ItemClass("call", "operate", ("Serve",), PoissonArrivals(0.8))},
    )
    run = Replications(network, (simulate(network, seed=3),))
    results = collect_results(run)
    stage_times = results.stage_times
    causes = summarize_wait_causes(stage_times, compute_wait_causes(stage_times, results.event_log)).iloc[0]
    simulated = results.stages.iloc[0]
    assert causes["wait_contention_mean_h"] == pytest.approx(simulated["wait_people_mean_h"], rel=0.01)
    assert causes["wait_other_mean_h"] == pytest.approx(0.0, abs=1e-6)
