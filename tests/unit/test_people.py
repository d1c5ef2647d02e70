"""People who keep different hours within one team (`teams.X.people`): the scenario format, the engine's
`PeoplePool`, the event log's resource names, utilisation and the offered-load check."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowlab.run_results import collect_results
from sim.errors import ScenarioError
from sim.event_log import build_event_log
from sim.load_check import compute_utilisation
from sim.replications import run_replications
from sim.scenario import load_network

DAILY = ", ".join(f'"2026-01-{day:02d}T00:00:00+00:00"' for day in range(5, 12))  # Monday 5 January to Sunday
OFFICE = '{weekdays: [mon, tue, wed, thu, fri], hours: ["09:00", "17:00"]}'


def _scenario(tmp_path: Path, teams: str, *, horizon: str = "6w", arrival: str = "{kind: poisson, rate: 2/h}",
              work: str = "{kind: exponential, mean: 40m}", name: str = "people") -> Path:  # fmt: skip
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"""\
version: 1
name: {name}
run: {{start: "2026-01-05T00:00:00+00:00", horizon: {horizon}, warmup: 0h, replications: 2, seed: 7}}
teams:
{teams}
  experts: {{capacity: 1}}
streams:
  s:
    stages:
      - {{name: Triage, team: desk, work: {work}, handoff: {{kind: exponential, mean: 10m}}}}
      - {{name: Fix, team: experts, work: {{kind: exponential, mean: 20m}}}}
      - {{name: Check, team: desk, work: {{kind: exponential, mean: 10m}}}}
items:
  x: {{stream: s, route: [Triage, Fix, Check], arrival: {arrival}}}
""", encoding="utf-8")  # fmt: skip
    return path


def _log(path: Path) -> pd.DataFrame:
    network = load_network(path)
    return build_event_log(run_replications(network, workers=1), network.run.start)


class TestSameAsAPlainTeam:
    """People who all keep the team's hours are the plain team, event for event."""

    @pytest.mark.parametrize(
        "people",
        ["people: [{count: 3}]", "people: [{count: 2}, {count: 1}]", f"people: [{{count: 1, calendar: {OFFICE}}}, "
         f"{{count: 2}}]\n    capacity: 3"],
    )  # fmt: skip
    def test_byte_identical_event_log(self, tmp_path: Path, people: str) -> None:
        plain = _log(_scenario(tmp_path, f"  desk: {{capacity: 3, calendar: {OFFICE}}}", name="plain"))
        grouped = _log(_scenario(tmp_path, f"  desk:\n    calendar: {OFFICE}\n    {people}", name="grouped"))
        assert len(plain) > 1000
        pd.testing.assert_frame_equal(plain, grouped)

    def test_same_measures_without_calendars(self, tmp_path: Path) -> None:
        plain = load_network(_scenario(tmp_path, "  desk: {capacity: 2}", name="plain"))
        grouped = load_network(_scenario(tmp_path, "  desk: {people: [{count: 1, name: a}, {count: 1, name: b}]}"))
        first = collect_results(run_replications(plain, workers=1))
        second = collect_results(run_replications(grouped, workers=1))
        pd.testing.assert_frame_equal(first.stages, second.stages)


def test_two_twelve_hour_shifts_queue_as_one_server(tmp_path: Path) -> None:
    """One person 00–12 and another 12–24 every day: exactly one person is ever on duty, so the queue is an M/M/1
    (λ = 5/h, μ = 10/h: mean wait in queue ρ/(μ − λ) = 0.1 h) — except that a job under way at a shift change stays
    with its person and is suspended until their next shift, 12 hours on, while the next person starts on the
    queue. So: the queue wait is M/M/1's (within 6 %, a long run), and the lead time exceeds wait + work by exactly
    the 12-hour suspensions."""
    path = tmp_path / "shifts.yaml"
    path.write_text("""\
version: 1
name: shifts
run: {start: "2026-01-05T00:00:00+00:00", horizon: 40w, warmup: 1w, replications: 1, seed: 3}
teams:
  desk:
    people:
      - {name: am, count: 1, calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: ["00:00", "12:00"]}}
      - {name: pm, count: 1, calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: ["12:00", "24:00"]}}
streams: {s: {stages: [{name: Serve, team: desk, work: {kind: exponential, mean: 6m}}]}}
items: {x: {stream: s, route: [Serve], arrival: {kind: poisson, rate: 5/h}}}
""", encoding="utf-8")  # fmt: skip
    network = load_network(path)
    replications = run_replications(network, workers=1)
    visits = replications.visits
    visits = visits.loc[visits["complete_h"].notna() & (visits["ready_h"] >= network.run.warmup_h)]
    wait = float((visits["start_h"] - visits["queued_h"]).mean())
    assert wait == pytest.approx(0.1, rel=0.06)
    log = build_event_log(replications, network.run.start)
    suspended = log.loc[log["lifecycle:transition"] == "suspend", "time:timestamp"]
    resumed = log.loc[log["lifecycle:transition"] == "resume", "time:timestamp"]
    assert len(suspended) > 100
    assert set(suspended.dt.hour) | set(resumed.dt.hour) == {0, 12}
    assert set(suspended.dt.minute) == {0}
    # each suspension is one whole other shift: a job's elapsed time is its work (minutes) plus 12 h per suspension
    moments = log.pivot_table(index="case:concept:name", columns="lifecycle:transition", values="time:timestamp",
                              aggfunc="first")  # fmt: skip
    elapsed = (moments["complete"] - moments["start"]).dropna() / pd.Timedelta(hours=1)
    assert int((elapsed > 12).sum()) == int((log["lifecycle:transition"] == "resume").sum())
    assert float((elapsed[elapsed > 12] - 12).max()) < 1.5
    assert float(elapsed.max()) < 24


def test_a_weekend_person_works_only_at_weekends(tmp_path: Path) -> None:
    teams = ("  desk:\n    people:\n"
             f"      - {{name: week, count: 1, calendar: {OFFICE}}}\n"
             '      - {name: weekend, count: 1, calendar: {weekdays: [sat, sun], hours: ["10:00", "16:00"]}}')
    log = _log(_scenario(tmp_path, teams, arrival="{kind: poisson, rate: 0.5/h}"))
    worked = log.loc[log["lifecycle:transition"].isin(["start", "complete", "suspend", "resume"])]
    assert {"desk-week-1", "desk-weekend-1", "experts-1"} == set(worked["org:resource"])
    weekend = worked.loc[worked["org:resource"] == "desk-weekend-1", "time:timestamp"]
    week = worked.loc[worked["org:resource"] == "desk-week-1", "time:timestamp"]
    assert len(weekend) > 50 and set(weekend.dt.day_of_week) == {5, 6}
    assert weekend.dt.hour.between(10, 16).all()
    assert set(week.dt.day_of_week) == {0, 1, 2, 3, 4} and week.dt.hour.between(9, 17).all()


def test_utilisation_counts_each_persons_own_hours(tmp_path: Path) -> None:
    """Items come every 24 h from Monday 00:00 with 2 h of work: only the always-on person is on duty at midnight,
    so they do all of it; the office-hours person is available 40 of the week's 208 person-hours. Over one week:
    7 jobs × 2 h = 14 busy hours of 208."""
    path = tmp_path / "one.yaml"
    path.write_text(f"""\
version: 1
name: one
run: {{start: "2026-01-05T00:00:00+00:00", horizon: 1w, warmup: 0h, replications: 1, seed: 1}}
teams:
  desk: {{people: [{{name: office, count: 1, calendar: {OFFICE}}}, {{name: always, count: 1}}]}}
streams: {{s: {{stages: [{{name: Serve, team: desk, work: 2h}}]}}}}
items:
  x: {{stream: s, route: [Serve], arrival: {{kind: schedule, at: [{DAILY}]}}}}
""", encoding="utf-8")  # fmt: skip
    network = load_network(path)
    replications = run_replications(network, workers=1)
    log = build_event_log(replications, network.run.start)
    assert set(log["org:resource"].dropna()) == {"desk-always-1"}
    stages = collect_results(replications).stages
    assert float(stages["utilisation"].iloc[0]) == pytest.approx(14 / 208)


def test_offered_load_counts_each_persons_hours(tmp_path: Path) -> None:
    """2 arrivals an hour × (40 + 10) min of desk work = 1.667 person-hours per hour, against 2 office-hours people
    (80 h a week) and 1 always-on person (168 h): offered utilisation 1.667 × 168 / 248."""
    teams = f"  desk:\n    people: [{{count: 2, calendar: {OFFICE}}}, {{count: 1}}]"
    utilisation = compute_utilisation(load_network(_scenario(tmp_path, teams)))
    assert utilisation is not None
    assert utilisation["desk"] == pytest.approx(2 * (40 + 10) / 60 * 168 / 248)


class TestErrors:
    @pytest.mark.parametrize(
        ("team", "message"),
        [
            ("{capacity: 4, people: [{count: 2}, {count: 1}]}",
             "teams.desk: capacity 4 is not the number of its people (3: the sum of people[].count)"),
            (f"{{calendar: {OFFICE}}}", "teams.desk: needs capacity (or people: groups with a count each)"),
            ("{people: [{count: 0}]}", "teams.desk.people[0].count must be > 0 (got 0)"),
            ("{people: [{count: 1, name: a}, {count: 1, name: a}]}",
             "teams.desk: people names must differ (repeated: a)"),
            ('{people: [{count: 1, calendar: {weekdays: [mon], hours: ["17:00", "09:00"]}}]}',
             "teams.desk.people[0].calendar.hours must have start < end"),
            ("{people: [{count: 1, shift: early}]}",
             "teams.desk.people[0].shift is not an allowed key (allowed: count, calendar, name)"),
            ("{people: []}", "teams.desk.people must have at least 1 item"),
        ],
    )  # fmt: skip
    def test_bad_people_are_refused_with_their_place(self, tmp_path: Path, team: str, message: str) -> None:
        with pytest.raises(ScenarioError) as error:
            load_network(_scenario(tmp_path, f"  desk: {team}"))
        assert message in str(error.value)
        assert "people.yaml" in str(error.value)


def test_the_json_schema_describes_people() -> None:
    from sim.scenario_model import Scenario

    definitions = Scenario.model_json_schema()["$defs"]
    assert {"count", "calendar", "name"} == set(definitions["PeopleSpec"]["properties"])
    assert definitions["PeopleSpec"]["required"] == ["count"]
    assert "people" in definitions["TeamSpec"]["properties"] and "required" not in definitions["TeamSpec"]
