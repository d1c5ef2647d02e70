"""A valid scenario file becomes exactly the expected `Network` (every time in hours after `run.start`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sim.distributions import Empirical, Exponential, Fixed, Gamma, Lognormal, Triangular, Uniform
from sim.errors import ScenarioError
from sim.network import (
    Batching,
    CadenceGate,
    Escalation,
    IntervalArrivals,
    ItemClass,
    Network,
    NoArrivals,
    PoissonArrivals,
    Rework,
    RunSettings,
    ScheduledArrivals,
    Spawn,
    Stage,
    Team,
    WorkingCalendar,
)
from sim.scenario import Scenario, load_network, load_scenario

VALID = """\
version: 1
name: two-streams
description: every feature of the format once
run:
  start: 2026-01-05T08:00:00+01:00   # unquoted: YAML gives an aware datetime
  horizon: 4w
  warmup: 1w 12h
  replications: 5
  seed: 7
teams:
  desk:
    capacity: 2
    calendar: {weekdays: [mon, tue, wed, thu, fri], hours: ["08:30", "17:00"]}
  ops: {capacity: 3}
  experts: {capacity: 1}
gates:
  cab: {every: 1w, offset: 4d, open_for: 4h}
  moment: {every: 2w}
  twice-weekly: {every: 1w, offset: [1d 18h, 3d 18h], open_for: 2h}
streams:
  operate:
    stages:
      - {name: Detect, team: desk, work: {kind: exponential, mean: 20m}}
      - name: Diagnose
        team: ops
        work: {kind: lognormal, mean: 3h, cv: 0.8}
        handoff: 30m
        escalation: {after: 8h, priority: 0, team: experts}
      - name: Resolve
        team: ops
        work: {kind: triangular, low: 1h, mode: 2h, high: 1d}
        handoff: {kind: uniform, low: 10m, high: 50m}
        gate: cab
        batch: {size: 5, timeout: 2w}
  integrate:
    stages:
      - {name: Build Fix, team: experts, work: {kind: gamma, mean: 1d 4h, cv: 1.2}}
      - {name: Test Fix, team: experts, work: {kind: empirical, samples: [30m, 2h, 90s]}, batch: {size: 2}}
      - {name: Ship Fix, team: ops, work: {kind: fixed, value: 15m}, gate: moment}
items:
  incident:
    stream: operate
    scenario: Remediate Consumer Front-End Issue
    arrival: {kind: poisson, rate: 30/d}
    route: [Detect, Diagnose, Resolve]
    priority: 2
    sla: 3d
    rework: [{after: Resolve, to: Diagnose, probability: 0.1, max_loops: 3}]
    spawn:
      - {after: Resolve, class: hotfix, count: [1, 3], probability: 0.05, per_batch: true}
      - {after: Detect, class: hotfix}
  hotfix:
    stream: integrate
    arrival: {kind: none}
    route: [Build Fix, Test Fix, Ship Fix]
  patch-day:
    stream: integrate
    arrival: {kind: interval, every: 1w, offset: 2d}
    route: [Ship Fix]
  dr-test:
    stream: integrate
    arrival: {kind: schedule, at: ["2026-01-20T07:00:00+00:00", "2026-01-06T08:00:00+01:00"]}
    route: [Test Fix]
    work: {Test Fix: 4h}
    expedite: true
"""

START = datetime(2026, 1, 5, 8, tzinfo=timezone(timedelta(hours=1)))

EXPECTED = Network(
    name="two-streams",
    run=RunSettings(start=START, horizon_h=672.0, warmup_h=180.0, replications=5, seed=7),
    teams={
        "desk": Team("desk", 2, WorkingCalendar(frozenset({0, 1, 2, 3, 4}), 8.5, 17.0)),
        "ops": Team("ops", 3),
        "experts": Team("experts", 1),
    },
    stages={
        "Detect": Stage("Detect", "operate", "desk", Exponential(1 / 3)),
        "Diagnose": Stage(
            "Diagnose",
            "operate",
            "ops",
            Lognormal(3.0, 0.8),
            handoff=Fixed(0.5),
            escalation=Escalation(after_h=8.0, priority=0, team="experts"),
        ),
        "Resolve": Stage(
            "Resolve",
            "operate",
            "ops",
            Triangular(1.0, 2.0, 24.0),
            handoff=Uniform(1 / 6, 5 / 6),
            gate="cab",
            batch=Batching(size=5, timeout_h=336.0),
        ),
        "Build Fix": Stage("Build Fix", "integrate", "experts", Gamma(28.0, 1.2)),
        "Test Fix": Stage("Test Fix", "integrate", "experts", Empirical((0.5, 2.0, 90 / 3600)), batch=Batching(2)),
        "Ship Fix": Stage("Ship Fix", "integrate", "ops", Fixed(0.25), gate="moment"),
    },
    item_classes={
        "incident": ItemClass(
            name="incident",
            stream="operate",
            route=("Detect", "Diagnose", "Resolve"),
            arrivals=PoissonArrivals(1.25),
            priority=2,
            sla_h=72.0,
            scenario="Remediate Consumer Front-End Issue",
            rework=(Rework("Resolve", "Diagnose", 0.1, 3),),
            spawn=(Spawn("Resolve", "hotfix", 1, 3, 0.05, per_batch=True), Spawn("Detect", "hotfix")),
        ),
        "hotfix": ItemClass("hotfix", "integrate", ("Build Fix", "Test Fix", "Ship Fix"), NoArrivals()),
        "patch-day": ItemClass("patch-day", "integrate", ("Ship Fix",), IntervalArrivals(168.0, 48.0)),
        # 2026-01-06T07:00Z is 24h after the start (07:00Z), 2026-01-20T07:00Z is 15 days = 360h after; sorted
        "dr-test": ItemClass(
            "dr-test",
            "integrate",
            ("Test Fix",),
            ScheduledArrivals((24.0, 360.0)),
            work={"Test Fix": Fixed(4.0)},
            expedite=True,
        ),
    },
    gates={
        "cab": CadenceGate("cab", 168.0, (96.0,), 4.0),
        "moment": CadenceGate("moment", 336.0),
        "twice-weekly": CadenceGate("twice-weekly", 168.0, (42.0, 90.0), 2.0),
    },
    streams=("operate", "integrate"),
)


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    path = tmp_path / "two-streams.yaml"
    path.write_text(VALID, encoding="utf-8")
    return path


def test_valid_file_builds_the_expected_network(valid_file: Path) -> None:
    network = load_network(valid_file)
    assert EXPECTED.run == network.run
    assert EXPECTED.teams == network.teams
    assert EXPECTED.gates == network.gates
    assert EXPECTED.stages == network.stages
    assert EXPECTED.item_classes == network.item_classes
    assert network == EXPECTED


def test_start_keeps_its_timezone_and_instant(valid_file: Path) -> None:
    start = load_network(valid_file).run.start
    assert datetime(2026, 1, 5, 7, tzinfo=UTC) == start
    assert timedelta(hours=1) == start.utcoffset()


def test_model_keeps_hours_and_defaults(valid_file: Path) -> None:
    scenario = load_scenario(valid_file)
    hotfix = scenario.items["hotfix"]
    assert (hotfix.priority, hotfix.sla, tuple(hotfix.rework), tuple(hotfix.spawn)) == (3, None, (), ())
    assert (hotfix.work, hotfix.expedite) == ({}, False)
    assert scenario.items["incident"].spawn[1].count == (1, 1)
    assert scenario.gates["moment"].offset == [0.0]


def test_json_schema_describes_the_format() -> None:
    schema = Scenario.model_json_schema()
    json.dumps(schema)  # serialisable as it is
    assert schema["required"] == ["version", "name", "run", "teams", "streams", "items"]
    assert schema["additionalProperties"] is False
    work = schema["$defs"]["StageSpec"]["properties"]["work"]
    shorthand, tagged = work["anyOf"]
    assert shorthand["type"] == "string"
    assert {"exponential", "lognormal", "gamma", "triangular", "uniform", "fixed", "empirical"} == set(
        tagged["discriminator"]["mapping"]
    )
    assert "class" in schema["$defs"]["SpawnSpec"]["properties"]


def test_a_new_start_moves_the_schedule_times_and_is_checked_again(valid_file: Path) -> None:
    """`load_network(..., start=)` (flowlab run --start): a schedule's moments stay where they are in absolute time,
    so their hours after the start shift; a start after one of them is refused naming it."""
    later = START + timedelta(hours=10)
    network = load_network(valid_file, start=later)
    assert network.run.start == later
    assert network.item_classes["dr-test"].arrivals == ScheduledArrivals((14.0, 15 * 24.0 - 10.0))
    with pytest.raises(ScenarioError, match=r"two-streams\.yaml: items\.dr-test\.arrival\.at\[1\] must not be before"):
        load_network(valid_file, start=START + timedelta(days=2))
    with pytest.raises(ValueError, match="must carry a timezone"):
        load_network(valid_file, start=datetime(2026, 1, 5, 8))  # naive on purpose
