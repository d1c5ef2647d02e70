"""Probabilistic routing (`flow` on an item class): the file's keys, the records it builds, and the engine's walk."""

from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from sim.build import build_classes, build_stages, flow_stages
from sim.distributions import Exponential, Fixed
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.load_check import compute_utilisation
from sim.network import (
    DEFAULT_MAX_VISITS,
    Flow,
    ItemClass,
    Network,
    PoissonArrivals,
    RunSettings,
    ScheduledArrivals,
    Spawn,
    Stage,
    Team,
)
from sim.plan import Branch
from sim.scenario import load_network
from sim.servers import ServerPool

START = datetime(2026, 1, 5, tzinfo=UTC)

BRIEF_EXAMPLE = """\
version: 1
name: flow-example
run: {start: "2026-01-05T08:00:00+00:00", horizon: 4w, seed: 3}
teams:
  desk: {capacity: 2}
streams:
  operate:
    stages:
      - {name: Triage, team: desk, work: {kind: exponential, mean: 10m}}
      - {name: Fix, team: desk, work: {kind: exponential, mean: 20m}}
items:
  application:
    stream: operate
    arrival: {kind: poisson, rate: 2/h}
    flow:                     # a first-order Markov chain over stages; each row's probabilities sum to 1
      start: {Triage: 0.7, Fix: 0.3}
      Triage: {Fix: 0.6, Triage: 0.1, end: 0.3}   # a stage may follow itself (a repeat)
      Fix: {end: 1}
"""


def network(items: dict[str, ItemClass], horizon_h: float = 400.0) -> Network:
    return Network(
        name="flows",
        run=RunSettings(start=START, horizon_h=horizon_h),
        teams={"T": Team("T", 2), "U": Team("U", 1)},
        stages={
            "A": Stage("A", "s", "T", Exponential(1.0)),
            "B": Stage("B", "s", "U", Exponential(0.5)),
            "C": Stage("C", "s", "T", Exponential(0.3)),
        },
        item_classes=items,
    )


def flow_class(name: str, flow: Flow, **extra: object) -> ItemClass:
    return ItemClass(name, "s", (), PoissonArrivals(0.5), flow=flow, **extra)  # type: ignore[arg-type]


def built(net: Network) -> dict:
    root = np.random.SeedSequence(1, spawn_key=(0,))
    env = simpy.Environment()
    pools = {name: ServerPool(env, index, team.capacity, None) for index, (name, team) in enumerate(net.teams.items())}
    return build_classes(net, root, build_stages(net, root, pools))


class TestTheFile:
    def test_the_example_validates_and_builds_its_chain(self, tmp_path: Path) -> None:
        path = tmp_path / "flow.yaml"
        path.write_text(BRIEF_EXAMPLE, encoding="utf-8")
        item = load_network(path).item_classes["application"]
        assert item.route == ()
        assert item.flow == Flow(
            start={"Triage": 0.7, "Fix": 0.3},
            transitions={"Triage": {"Fix": 0.6, "Triage": 0.1, "end": 0.3}, "Fix": {"end": 1.0}},
            max_visits=DEFAULT_MAX_VISITS,
        )

    def test_max_visits_reaches_the_network(self, tmp_path: Path) -> None:
        path = tmp_path / "flow.yaml"
        path.write_text(BRIEF_EXAMPLE.replace("    flow:", "    max_visits: 40\n    flow:"), encoding="utf-8")
        flow = load_network(path).item_classes["application"].flow
        assert flow is not None and flow.max_visits == 40

    def test_the_json_schema_shows_flow_and_max_visits(self) -> None:
        from sim.scenario import Scenario

        item = Scenario.model_json_schema()["$defs"]["ItemClassSpec"]
        assert {"flow", "max_visits", "route"} <= set(item["properties"])
        assert item["oneOf"] == [{"required": ["route"]}, {"required": ["flow"]}]
        assert "Markov chain" in item["properties"]["flow"]["anyOf"][0]["description"]


class TestBuild:
    def test_rows_become_cumulative_branches_in_breadth_first_stage_order(self) -> None:
        flow = Flow(start={"B": 0.25, "A": 0.75}, transitions={"A": {"C": 0.0, "end": 1.0}, "B": {"B": 0.5, "A": 0.5}})
        assert flow_stages(flow) == ["B", "A"]
        plan = built(network({"x": flow_class("x", flow)}))["x"]
        assert [step.stage.index for step in plan.steps] == [1, 0]
        assert plan.flow.start == (Branch(0.25, 0), Branch(math.inf, 1))
        assert plan.steps[0].after.branches == (Branch(0.5, 0), Branch(math.inf, 1))
        assert plan.steps[1].after.branches == (Branch(math.inf, 2),)  # C has probability 0: dropped; 2 = end
        assert plan.flow.max_visits == DEFAULT_MAX_VISITS

    @pytest.mark.parametrize(
        ("flow", "message"),
        [
            (Flow(start={"A": 1.0}, transitions={}), "its flow reaches stage 'A' but has no row for it"),
            (Flow(start={"Z": 1.0}, transitions={"Z": {"end": 1.0}}), "its flow goes to stage 'Z', not among"),
            (Flow(start={"end": 1.0}, transitions={}), "its flow's start leads to no stage"),
        ],
    )
    def test_a_network_with_a_broken_flow_is_refused(self, flow: Flow, message: str) -> None:
        with pytest.raises(ScenarioError, match=message):
            built(network({"x": flow_class("x", flow)}))


def same_recording(left, right) -> None:
    for name in ("cases", "visits", "queues", "busy"):
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name))


class TestEngine:
    def test_a_flow_with_one_path_gives_the_same_run_as_the_route(self) -> None:
        """Same stages, spawns and work override: rows of one branch draw nothing, so every draw is the route's."""
        common = {
            "spawn": (Spawn("B", "child", 1, 2, 0.5),),
            "work": {"C": Fixed(0.2)},
        }
        child = ItemClass("child", "s", ("C",), ScheduledArrivals(()))
        route = ItemClass("x", "s", ("A", "B", "C"), PoissonArrivals(0.7), **common)  # type: ignore[arg-type]
        flow = dataclasses.replace(
            route,
            route=(),
            flow=Flow(start={"A": 1.0}, transitions={"A": {"B": 1.0}, "B": {"C": 1.0}, "C": {"end": 1.0}}),
        )
        by_route = simulate(network({"x": route, "child": child}), seed=5)
        by_flow = simulate(network({"x": flow, "child": child}), seed=5)
        assert by_route.cases["parent"].notna().sum() > 10  # the spawns happened, drawing decisions
        same_recording(by_route, by_flow)

    def test_same_seed_same_run_other_seed_other_run(self) -> None:
        flow = Flow(start={"A": 0.5, "B": 0.5}, transitions={"A": {"A": 0.3, "B": 0.3, "end": 0.4}, "B": {"end": 1}})
        net = network({"x": flow_class("x", flow)})
        same_recording(simulate(net, seed=2), simulate(net, seed=2))
        assert not simulate(net, seed=2).visits.equals(simulate(net, seed=3).visits)

    def test_max_visits_sends_the_item_out(self) -> None:
        flow = Flow(start={"A": 1.0}, transitions={"A": {"A": 0.999, "end": 0.001}}, max_visits=3)
        recording = simulate(network({"x": flow_class("x", flow)}, horizon_h=2000.0), seed=1)
        done = recording.cases.loc[recording.cases["complete_h"].notna(), "case"]
        visits = recording.visits.loc[recording.visits["case"].isin(done)].groupby("case").size()
        assert len(visits) > 100
        assert visits.max() == 3
        assert (visits == 3).mean() > 0.99

    def test_every_visit_follows_an_allowed_transition(self) -> None:
        flow = Flow(start={"A": 0.6, "C": 0.4}, transitions={"A": {"B": 0.5, "end": 0.5}, "B": {"A": 0.2, "end": 0.8},
                                                              "C": {"end": 1.0}})  # fmt: skip
        recording = simulate(network({"x": flow_class("x", flow)}, horizon_h=4000.0), seed=4)
        visits = recording.visits.sort_values(["case", "ready_h"], kind="stable")
        allowed = {("start", "A"), ("start", "C"), ("A", "B"), ("A", "end"), ("B", "A"), ("B", "end"), ("C", "end")}
        done = set(recording.cases.loc[recording.cases["complete_h"].notna(), "case"])
        seen = set()
        for case, stages in visits.groupby("case", sort=False)["stage"]:
            path = ["start", *stages, *(["end"] if case in done else [])]
            seen |= set(itertools.pairwise(path))
        assert seen == allowed

    def test_spawns_and_work_overrides_apply_at_flow_stages(self) -> None:
        flow = Flow(start={"A": 1.0}, transitions={"A": {"A": 0.5, "C": 0.5}, "C": {"end": 1.0}})
        child = ItemClass("child", "s", ("B",), ScheduledArrivals(()))
        parent = flow_class("x", flow, spawn=(Spawn("A", "child"),), work={"A": Fixed(0.25)})
        recording = simulate(network({"x": parent, "child": child}, horizon_h=1000.0), seed=8)
        visits = recording.visits
        a_visits = visits.loc[(visits["item"] == "x") & (visits["stage"] == "A") & visits["complete_h"].notna()]
        assert np.allclose(a_visits["complete_h"] - a_visits["start_h"], 0.25)
        assert (recording.cases["item"] == "child").sum() == len(a_visits)


class TestOfferedLoad:
    def test_a_self_loop_counts_one_over_one_minus_p_visits(self) -> None:
        flow = Flow(start={"A": 1.0}, transitions={"A": {"A": 0.5, "B": 0.5}, "B": {"end": 1.0}})
        utilisation = compute_utilisation(network({"x": flow_class("x", flow)}))
        assert utilisation is not None
        assert utilisation["T"] == pytest.approx(0.5 * 2 * 1.0 / 2)  # λ 0.5, 2 visits of 1 h, 2 people
        assert utilisation["U"] == pytest.approx(0.5 * 1 * 0.5 / 1)

    def test_the_visit_limit_bounds_the_expected_visits(self) -> None:
        flow = Flow(start={"A": 1.0}, transitions={"A": {"A": 0.9, "end": 0.1}}, max_visits=2)
        utilisation = compute_utilisation(network({"x": flow_class("x", flow)}))
        assert utilisation is not None
        assert utilisation["T"] == pytest.approx(0.5 * 1.9 * 1.0 / 2)


class TestFlowDelays:
    """`flow_delays`: a wait on one way between two stages, before the next stage's own hand-off."""

    def test_a_delay_on_one_way_only(self) -> None:
        """A → B (half) with a 5 h delay, A → end (half); B → end. Plenty of people: B waits exactly 5 h, A never."""
        flow = Flow(start={"A": 1.0}, transitions={"A": {"B": 0.5, "end": 0.5}, "B": {"end": 1.0}},
                    delays={("A", "B"): Fixed(5.0)})  # fmt: skip
        net = dataclasses.replace(
            network({"x": flow_class("x", flow)}),
            stages={"A": Stage("A", "s", "T", Fixed(1.0)), "B": Stage("B", "s", "T", Fixed(1.0))},
            teams={"T": Team("T", 1000)},
        )
        visits = simulate(net, seed=3).visits
        wait = visits["start_h"] - visits["ready_h"]
        assert np.allclose(wait[visits["stage"] == "B"], 5.0, atol=1e-9) and (visits["stage"] == "B").sum() > 10
        assert (wait[visits["stage"] == "A"] == 0.0).all()
        handoff = visits["handoff_done_h"] - visits["ready_h"]
        assert np.allclose(handoff[visits["stage"] == "B"], 5.0, atol=1e-9)  # the delay is hand-off time

    @pytest.mark.parametrize(
        ("delays", "message"),
        [
            ({"Fix": {"Triage": {"kind": "fixed", "value": "1h"}}}, "the flow never goes from 'Fix' to 'Triage'"),
            ({"start": {"Triage": {"kind": "fixed", "value": "1h"}}}, "a delay lies between two stages"),
        ],
    )
    def test_a_delay_on_a_way_the_flow_never_takes_is_refused(self, tmp_path: Path, delays: dict, message: str) -> None:
        import yaml

        document = yaml.safe_load(BRIEF_EXAMPLE)
        document["items"]["application"]["flow_delays"] = delays
        path = tmp_path / "flow.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        with pytest.raises(ScenarioError, match=message):
            load_network(path)

    def test_the_file_key_reaches_the_network(self, tmp_path: Path) -> None:
        import yaml

        document = yaml.safe_load(BRIEF_EXAMPLE)
        document["items"]["application"]["flow_delays"] = {"Triage": {"Fix": {"kind": "fixed", "value": "2h"}}}
        path = tmp_path / "flow.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        flow = load_network(path).item_classes["application"].flow
        assert flow is not None and flow.delays[("Triage", "Fix")].mean == 2.0
