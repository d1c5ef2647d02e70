"""Every kind of malformed scenario file gives one `ScenarioError` naming the file, the path inside it and the rule.

Each bad file is a small valid base scenario, dumped to YAML in `tmp_path` after one mutation; the test asserts the
exact line of the message (file name, dotted/indexed path, expectation, received value).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import load_scenario

FILE_NAME = "operate.yaml"


def base_scenario() -> dict[str, Any]:
    """A small valid scenario touching every section: two streams, a gate, rework and a spawn."""
    return {
        "version": 1,
        "name": "base",
        "run": {"start": "2026-01-05T08:00:00+00:00", "horizon": "8w", "warmup": "1w", "replications": 2, "seed": 1},
        "teams": {
            "desk": {"capacity": 2, "calendar": {"weekdays": ["mon", "tue"], "hours": ["08:00", "17:00"]}},
            "ops": {"capacity": 3},
        },
        "gates": {"cab": {"every": "1w", "offset": "4d", "open_for": "4h"}},
        "streams": {
            "operate": {
                "stages": [
                    {"name": "Detect", "team": "desk", "work": {"kind": "exponential", "mean": "20m"}},
                    {"name": "Diagnose", "team": "ops", "work": {"kind": "lognormal", "mean": "2h", "cv": 0.5}},
                    {"name": "Resolve", "team": "ops", "work": "1h", "gate": "cab"},
                ]
            },
            "integrate": {"stages": [{"name": "Build Fix", "team": "ops", "work": "2h"}]},
        },
        "items": {
            "incident": {
                "stream": "operate",
                "arrival": {"kind": "poisson", "rate": "6/d"},
                "route": ["Detect", "Diagnose", "Resolve"],
                "rework": [{"after": "Resolve", "to": "Diagnose", "probability": 0.1}],
                "spawn": [{"after": "Resolve", "class": "hotfix", "probability": 0.2}],
            },
            "hotfix": {"stream": "integrate", "arrival": {"kind": "none"}, "route": ["Build Fix"]},
        },
    }


def write_scenario(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / FILE_NAME
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


def test_the_base_is_valid(tmp_path: Path) -> None:
    """Without this, every error below could come from the base rather than the mutation."""
    scenario = load_scenario(write_scenario(tmp_path, base_scenario()))
    assert scenario.name == "base"


def stage(data: dict[str, Any], index: int) -> dict[str, Any]:
    return data["streams"]["operate"]["stages"][index]


def item(data: dict[str, Any]) -> dict[str, Any]:
    return data["items"]["incident"]


Mutation = Callable[[dict[str, Any]], None]

FLOW = {
    "start": {"Detect": 1.0},
    "Detect": {"Diagnose": 0.8, "Detect": 0.1, "end": 0.1},
    "Diagnose": {"Resolve": 1.0},
    "Resolve": {"end": 0.9, "Diagnose": 0.1},
}


def flow_item(change: Callable[[dict[str, Any]], object] = lambda flow: None, **keys: Any) -> Mutation:
    """A mutation that gives the incident class a flow (`FLOW`, then `change`d) instead of its route and rework,
    plus `keys` on the class."""

    def mutate(data: dict[str, Any]) -> None:
        incident = item(data)
        del incident["route"], incident["rework"]
        incident["flow"] = copy.deepcopy(FLOW)
        change(incident["flow"])
        incident.update(keys)

    return mutate


BAD_FIELDS: list[tuple[str, Mutation, str]] = [
    (
        "unknown key",
        lambda data: stage(data, 1).update(wrok="2h"),
        "streams.operate.stages[1].wrok is not an allowed key "
        "(allowed: name, team, work, activity, handoff, gate, batch, escalation)",
    ),
    (
        "wrong type",
        lambda data: data["teams"]["ops"].update(capacity="3"),
        "teams.ops.capacity must be a valid integer (got '3')",
    ),
    (
        "negative capacity",
        lambda data: data["teams"]["ops"].update(capacity=-2),
        "teams.ops.capacity must be > 0 (got -2)",
    ),
    (
        "cv below zero",
        lambda data: stage(data, 1)["work"].update(cv=-0.5),
        "streams.operate.stages[1].work.cv must be >= 0 (got -0.5)",
    ),
    (
        "unknown distribution kind",
        lambda data: stage(data, 1)["work"].update(kind="weibull"),
        "streams.operate.stages[1].work.kind must be one of 'exponential', 'lognormal', 'gamma', 'triangular', "
        "'uniform', 'fixed', 'empirical' (got 'weibull')",
    ),
    (
        "bad duration string",
        lambda data: stage(data, 1)["work"].update(mean="2 hours"),
        "streams.operate.stages[1].work.mean: cannot read duration '2 hours'",
    ),
    (
        "bare number as a duration",
        lambda data: stage(data, 0)["work"].update(mean=20),
        "streams.operate.stages[0].work.mean must be a duration string, a number with a unit: s, m, h, d or w",
    ),
    (
        "bad shorthand duration",
        lambda data: stage(data, 2).update(work="1 hour"),
        "streams.operate.stages[2].work: cannot read duration '1 hour'",
    ),
    (
        "bad rate",
        lambda data: item(data)["arrival"].update(rate="6 a day"),
        "items.incident.arrival.rate: cannot read rate",
    ),
    (
        "route to an unknown stage",
        lambda data: item(data)["route"].insert(1, "Triage"),
        "items.incident.route[1] 'Triage' is not a stage (stages: 'Build Fix', 'Detect', 'Diagnose', 'Resolve')",
    ),
    (
        "route into another stream",
        lambda data: item(data)["route"].append("Build Fix"),
        "items.incident.route[3] 'Build Fix' belongs to stream 'integrate', not to the item's stream 'operate'",
    ),
    (
        "team that does not exist",
        lambda data: stage(data, 0).update(team="helpdesk"),
        "streams.operate.stages[0].team 'helpdesk' is not a team (teams: 'desk', 'ops')",
    ),
    (
        "gate that does not exist",
        lambda data: stage(data, 2).update(gate="weekly"),
        "streams.operate.stages[2].gate 'weekly' is not a gate (gates: 'cab')",
    ),
    (
        "escalation to a team that does not exist",
        lambda data: stage(data, 1).update(escalation={"after": "8h", "team": "third-line"}),
        "streams.operate.stages[1].escalation.team 'third-line' is not a team (teams: 'desk', 'ops')",
    ),
    (
        "spawn into an unknown class",
        lambda data: item(data)["spawn"][0].update({"class": "defect"}),
        "items.incident.spawn[0].class 'defect' is not an item class (classes: 'hotfix', 'incident')",
    ),
    (
        "spawn after a stage outside the route",
        lambda data: item(data)["spawn"][0].update(after="Build Fix"),
        "items.incident.spawn[0].after 'Build Fix' is not in the route ['Detect', 'Diagnose', 'Resolve']",
    ),
    (
        "empty route",
        lambda data: item(data).update(route=[]),
        "items.incident.route must have at least 1 item(s) (got [])",
    ),
    (
        "warm-up longer than horizon",
        lambda data: data["run"].update(warmup="10w"),
        "run.warmup must be shorter than run.horizon (got warmup=10.0w, horizon=8.0w)",
    ),
    (
        "naive start",
        lambda data: data["run"].update(start="2026-01-05T08:00:00"),
        "run.start must carry a timezone such as +00:00 (got '2026-01-05T08:00:00')",
    ),
    ("version 2", lambda data: data.update(version=2), "version must be 1 (got 2)"),
    ("missing version", lambda data: data.pop("version"), "version is required"),
    (
        "probability above 1",
        lambda data: item(data)["rework"][0].update(probability=1.5),
        "items.incident.rework[0].probability must be <= 1 (got 1.5)",
    ),
    (
        "rework forward",
        lambda data: item(data)["rework"][0].update(after="Diagnose", to="Resolve"),
        "items.incident.rework[0].to 'Resolve' must come before or be 'Diagnose' in the route",
    ),
    (
        "rework that never ends",
        lambda data: item(data)["rework"][0].update(probability=1),
        "items.incident.rework[0]: probability 1 without max_loops loops forever",
    ),
    (
        "triangular out of order",
        lambda data: stage(data, 1).update(work={"kind": "triangular", "low": "1h", "mode": "4h", "high": "2h"}),
        "streams.operate.stages[1].work must satisfy low <= mode <= high (got low=1.0h, mode=4.0h, high=2.0h)",
    ),
    (
        "uniform with low = high",
        lambda data: stage(data, 1).update(handoff={"kind": "uniform", "low": "2h", "high": "2h"}),
        "streams.operate.stages[1].handoff must satisfy low < high (got low=2.0h, high=2.0h)",
    ),
    (
        "calendar ending before it starts",
        lambda data: data["teams"]["desk"]["calendar"].update(hours=["17:00", "08:00"]),
        "teams.desk.calendar.hours must have start < end (got ['17:00', '08:00'])",
    ),
    (
        "unquoted 17:00 read by YAML as a number",
        lambda data: data["teams"]["desk"]["calendar"].update(hours=["08:00", 1020]),
        "teams.desk.calendar.hours[1] must be a time 'HH:MM' in quotes",
    ),
    (
        "unknown weekday",
        lambda data: data["teams"]["desk"]["calendar"].update(weekdays=["mon", "funday"]),
        "teams.desk.calendar.weekdays[1] must be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun' (got 'funday')",
    ),
    (
        "a name that YAML reads as a number",
        lambda data: data["teams"].update({1: {"capacity": 1}}),
        "teams key 1 must be a name in text, e.g. in quotes (got int)",
    ),
    (
        "spawn count range upside down",
        lambda data: item(data)["spawn"][0].update(count=[3, 1]),
        "items.incident.spawn[0].count must satisfy 0 <= low <= high (got [3, 1])",
    ),
    (
        "duplicate stage name",
        lambda data: data["streams"]["integrate"]["stages"].append({"name": "Detect", "team": "ops", "work": "1h"}),
        "streams.integrate.stages[1].name 'Detect' is already used at streams.operate.stages[0].name",
    ),
    (
        "unknown arrival kind",
        lambda data: item(data).update(arrival={"kind": "burst"}),
        "items.incident.arrival.kind must be one of 'poisson', 'interval', 'schedule', 'none', 'weekly', 'renewal' "
        "(got 'burst')",
    ),
    (
        "schedule with a naive moment",
        lambda data: item(data).update(arrival={"kind": "schedule", "at": ["2026-02-01T00:00:00"]}),
        "items.incident.arrival.at[0] must carry a timezone such as +00:00 (got '2026-02-01T00:00:00')",
    ),
    (
        "class work override for a stage outside the route",
        lambda data: item(data).update(work={"Build Fix": "1h"}),
        "items.incident.work.Build Fix is not in the route ['Detect', 'Diagnose', 'Resolve'] "
        "(a class overrides the work time of the stages it visits only)",
    ),
    (
        "class work override with a bad distribution",
        lambda data: item(data).update(work={"Diagnose": {"kind": "lognormal", "mean": "1h", "cv": -1}}),
        "items.incident.work.Diagnose.cv must be >= 0 (got -1)",
    ),
    (
        "class work that is not a mapping",
        lambda data: item(data).update(work="2h"),
        "items.incident.work must be a mapping from stages of the route to work times (got '2h')",
    ),
    (
        "expedite not a bool",
        lambda data: item(data).update(expedite="yes"),
        "items.incident.expedite must be a valid boolean (got 'yes')",
    ),
    (
        "gate offset not inside the cycle",
        lambda data: data["gates"]["cab"].update(offset="8d"),
        "gates.cab.offset must be shorter than every, one opening within each cycle (got 8.0d, every=7.0d)",
    ),
    (
        "second gate offset equal to every",
        lambda data: data["gates"]["cab"].update(offset=["1d", "1w"]),
        "gates.cab.offset[1] must be shorter than every, one opening within each cycle (got 7.0d, every=7.0d)",
    ),
    (
        "gate offsets out of order",
        lambda data: data["gates"]["cab"].update(offset=["3d", "1d"]),
        "gates.cab.offset[1] must come after gates.cab.offset[0], openings in increasing order (got 1.0d after 3.0d)",
    ),
    (
        "gate offset list with a bare number",
        lambda data: data["gates"]["cab"].update(offset=["1d", 5]),
        "gates.cab.offset[1] must be a duration string",
    ),
    (
        "route and flow",
        lambda data: item(data).update(flow=copy.deepcopy(FLOW)),
        "items.incident must have exactly one of route (its stages in order) and flow (the probabilities of each "
        "next stage) (got both)",
    ),
    (
        "neither route nor flow",
        lambda data: item(data).pop("route"),
        "items.incident must have exactly one of route (its stages in order) and flow (the probabilities of each "
        "next stage) (got neither)",
    ),
    (
        "flow row not summing to 1",
        flow_item(lambda flow: flow["Detect"].update(end=0.05)),
        "items.incident.flow.Detect probabilities must sum to 1 (got 0.95)",
    ),
    (
        "flow probability above 1",
        flow_item(lambda flow: flow["Diagnose"].update(Resolve=1.5)),
        "items.incident.flow.Diagnose.Resolve must be <= 1 (got 1.5)",
    ),
    (
        "flow probability as text",
        flow_item(lambda flow: flow["Diagnose"].update(Resolve="1")),
        "items.incident.flow.Diagnose.Resolve must be a valid number (got '1')",
    ),
    (
        "flow without start",
        flow_item(lambda flow: flow.pop("start")),
        "items.incident.flow.start is required (the probability of each first stage, e.g. start: {Triage: 1.0})",
    ),
    (
        "flow to an unknown stage",
        flow_item(lambda flow: flow["Resolve"].update(Close=0.0)),
        "items.incident.flow.Resolve.Close is not a stage (stages: 'Build Fix', 'Detect', 'Diagnose', 'Resolve')",
    ),
    (
        "flow row of an unknown stage",
        flow_item(lambda flow: flow.update(Close={"end": 1.0})),
        "items.incident.flow.Close is not a stage (stages: 'Build Fix', 'Detect', 'Diagnose', 'Resolve')",
    ),
    (
        "flow into another stream",
        flow_item(lambda flow: flow["Resolve"].update({"Build Fix": 0.0})),
        "items.incident.flow.Resolve.Build Fix belongs to stream 'integrate', not to the item's stream 'operate'",
    ),
    (
        "flow reaching a stage without a row",
        flow_item(lambda flow: flow.pop("Resolve")),
        "items.incident.flow has no row for 'Resolve', which follows 'Diagnose' (say where items go after it, e.g. "
        "Resolve: {end: 1.0})",
    ),
    (
        "flow row never reached",
        flow_item(lambda flow: flow["Diagnose"].update(Resolve=0.0, end=1.0)),
        "items.incident.flow.Resolve is never reached from start (no probability > 0 leads to it)",
    ),
    (
        "flow that never ends",
        flow_item(lambda flow: flow["Resolve"].update(end=0.0, Diagnose=1.0)),
        "items.incident.flow never reaches end from ['Diagnose', 'Resolve'] (these stages only lead to each other: "
        "give the loop a way out)",
    ),
    (
        "flow going straight from start to end",
        flow_item(lambda flow: flow["start"].update(Detect=0.5, end=0.5)),
        "items.incident.flow.start.end must not follow start: every item visits at least one stage",
    ),
    (
        "flow with a row for end",
        flow_item(lambda flow: flow.update(end={"Detect": 1.0})),
        "items.incident.flow.end must not have a row: end is where items leave",
    ),
    (
        "flow with rework",
        flow_item(rework=[{"after": "Resolve", "to": "Diagnose", "probability": 0.1}]),
        "items.incident.rework is not allowed with a flow: loops are in the flow's probabilities",
    ),
    (
        "flow spawn after a stage it never visits",
        flow_item(spawn=[{"after": "Build Fix", "class": "hotfix"}]),
        "items.incident.spawn[0].after 'Build Fix' is not a stage of the flow ['Detect', 'Diagnose', 'Resolve']",
    ),
    (
        "flow work override off the flow",
        flow_item(
            lambda flow: flow["Diagnose"].update(Resolve=0.0, end=1.0) or flow.pop("Resolve"),
            work={"Resolve": "1h"},
            spawn=[],
        ),
        "items.incident.work.Resolve is not a stage of the flow ['Detect', 'Diagnose'] (a class overrides the work "
        "time of the stages it visits only)",
    ),
    (
        "max_visits below 1",
        flow_item(max_visits=0),
        "items.incident.max_visits must be >= 1 (got 0)",
    ),
    (
        "max_visits on a route",
        lambda data: item(data).update(max_visits=10),
        "items.incident.max_visits applies to a flow only (a route's loops are bounded by its rework max_loops)",
    ),
    (
        "weekly rates of a day with 23 hours",
        lambda data: item(data).update(arrival={"kind": "weekly", "rates": {"mon": [1.0] * 23}}),
        "items.incident.arrival.rates.mon must have 24 rates, one per hour of the day from 00:00 to 23:00 (got 23)",
    ),
    (
        "weekly rates of an unknown day",
        lambda data: item(data).update(arrival={"kind": "weekly", "rates": {"monday": [1.0] * 24}}),
        "items.incident.arrival.rates key 'monday' must be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun' "
        "(got 'monday')",
    ),
    (
        "weekly rate below 0",
        lambda data: item(data).update(arrival={"kind": "weekly", "rates": {"tue": [0.0] * 9 + [-2.0] + [0.0] * 14}}),
        "items.incident.arrival.rates.tue[9] must be >= 0 (got -2)",
    ),
    (
        "weekly without rates",
        lambda data: item(data).update(arrival={"kind": "weekly"}),
        "items.incident.arrival.rates is required",
    ),
    (
        "renewal gap of mean 0",
        lambda data: item(data).update(arrival={"kind": "renewal", "gap": {"kind": "empirical", "samples": ["0m"]}}),
        "items.incident.arrival.gap must have a mean above 0 (got 0m): with gaps of length 0 the arrivals would never "
        "stop",
    ),
    (
        "renewal gap with a bad cv",
        lambda data: item(data).update(arrival={"kind": "renewal", "gap": {"kind": "gamma", "mean": "1h", "cv": -1}}),
        "items.incident.arrival.gap.cv must be >= 0 (got -1)",
    ),
    (
        "renewal gap as a bare number",
        lambda data: item(data).update(arrival={"kind": "renewal", "gap": 30}),
        "items.incident.arrival.gap must be a duration such as '2h' or a mapping with a 'kind'",
    ),
    (
        "schedule before the start",
        lambda data: item(data).update(arrival={"kind": "schedule", "at": ["2025-12-31T00:00:00+00:00"]}),
        "items.incident.arrival.at[0] must not be before run.start",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), [case[1:] for case in BAD_FIELDS], ids=[c[0] for c in BAD_FIELDS])
def test_one_clear_error_naming_file_and_path(tmp_path: Path, mutation: Mutation, expected: str) -> None:
    data = copy.deepcopy(base_scenario())
    mutation(data)
    message = error_of(write_scenario(tmp_path, data))
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{FILE_NAME}: {expected}"), message


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text("version: 1\nname: [unclosed\nrun: {}\n", encoding="utf-8")
    message = error_of(path)
    assert message.startswith(f"{FILE_NAME}: YAML syntax error at line 3, column 4: "), message
    assert "started at line 2, column 7" in message


def test_duplicate_key_is_refused_with_its_path_and_line(tmp_path: Path) -> None:
    text = yaml.safe_dump(base_scenario(), sort_keys=False)
    assert "  ops:\n    capacity: 3\n" in text
    path = tmp_path / FILE_NAME
    path.write_text(text.replace("  ops:\n    capacity: 3\n", "  ops:\n    capacity: 3\n    capacity: 30\n"), "utf-8")
    message = error_of(path)
    line = text.splitlines().index("    capacity: 3") + 2
    assert (
        f"{FILE_NAME}: teams.ops.capacity is a duplicate key at line {line}, column 5 (first at line {line - 1})"
        == (message)
    )


def test_several_problems_are_listed_one_per_line(tmp_path: Path) -> None:
    data = base_scenario()
    stage(data, 1)["work"]["cv"] = -0.5
    data["teams"]["ops"]["capacity"] = 0
    data["version"] = 2
    assert [
        f"{FILE_NAME}: version must be 1 (got 2)",
        f"{FILE_NAME}: teams.ops.capacity must be > 0 (got 0)",
        f"{FILE_NAME}: streams.operate.stages[1].work.cv must be >= 0 (got -0.5)",
    ] == error_of(write_scenario(tmp_path, data)).splitlines()


def test_several_reference_problems_are_listed_one_per_line(tmp_path: Path) -> None:
    data = base_scenario()
    stage(data, 0)["team"] = "helpdesk"
    item(data)["spawn"][0]["class"] = "defect"
    lines = error_of(write_scenario(tmp_path, data)).splitlines()
    assert [
        f"{FILE_NAME}: streams.operate.stages[0].team 'helpdesk' is not a team (teams: 'desk', 'ops')",
        f"{FILE_NAME}: items.incident.spawn[0].class 'defect' is not an item class (classes: 'hotfix', 'incident')",
    ] == lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "operate.yaml: must be a mapping with version, name, run, teams, streams and items (got None)"),
        ("- a\n- b\n", "operate.yaml: must be a mapping with version, name, run, teams, streams and items"),
    ],
    ids=["empty file", "a list"],
)
def test_a_file_that_is_not_a_mapping(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")
    assert error_of(path).startswith(expected)


def test_a_missing_file_names_it(tmp_path: Path) -> None:
    assert error_of(tmp_path / "absent.yaml").startswith("absent.yaml: cannot read the file")


def test_python_tags_are_not_executed(tmp_path: Path) -> None:
    """Safe loading only: a python/object tag is a YAML error, not code run on load."""
    path = tmp_path / FILE_NAME
    path.write_text("version: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    assert "could not determine a constructor for the tag" in error_of(path)
