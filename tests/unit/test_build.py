"""`sim.build` resolves a network into the named records the engine runs (`sim.plan`), each draw on its own stream."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pytest
import simpy

from sim.build import arrival_times, build_classes, build_stages
from sim.calendar import build_week_schedule
from sim.distributions import Exponential, Fixed
from sim.errors import ScenarioError
from sim.network import (
    CadenceGate,
    ItemClass,
    Network,
    PoissonArrivals,
    Rework,
    RunSettings,
    ScheduledArrivals,
    Spawn,
    Stage,
    Team,
    WorkingCalendar,
)
from sim.plan import ReworkRule, SpawnRule
from sim.servers import ServerPool

START = datetime(2026, 1, 5, tzinfo=UTC)
OFFICE = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=9.0, day_end_h=17.0)


def network(**changes: object) -> Network:
    """S1 → S2 → S3 by team T; S2 by calendared team C; class x reworks S3 → S2 and spawns y after S3."""
    base = Network(
        name="built",
        run=RunSettings(start=START, horizon_h=100.0),
        teams={"T": Team("T", 2), "C": Team("C", 1, calendar=OFFICE)},
        stages={
            "S1": Stage("S1", "s", "T", Exponential(1.0)),
            "S2": Stage("S2", "s", "C", Fixed(2.0)),
            "S3": Stage("S3", "s", "T", Exponential(3.0), gate="g"),
        },
        item_classes={
            "x": ItemClass(
                "x",
                "s",
                ("S1", "S2", "S3"),
                PoissonArrivals(0.5),
                rework=(Rework("S3", "S2", 0.25, max_loops=2),),
                spawn=(Spawn("S3", "y", 1, 3, 0.5),),
            ),
            "y": ItemClass("y", "s", ("S1",), ScheduledArrivals((5.0, 1.0))),
        },
        gates={"g": CadenceGate("g", every_h=24.0)},
    )
    return dataclasses.replace(base, **changes)


def pools(net: Network) -> dict[str, ServerPool]:
    env = simpy.Environment()
    return {
        name: ServerPool(
            env, index, team.capacity,
            None if team.calendar is None else build_week_schedule(team.calendar, net.run.start),
            on_dequeue=lambda request: None, on_busy=lambda sample: None,
        )
        for index, (name, team) in enumerate(net.teams.items())
    }  # fmt: skip


def built(net: Network, seed: int = 1) -> tuple[dict, dict]:
    root = np.random.SeedSequence(seed, spawn_key=(0,))
    stages = build_stages(net, root, pools(net))
    return stages, build_classes(net, root, stages)


class TestRecords:
    def test_rework_and_spawn_attach_to_the_position_they_follow(self) -> None:
        stages, classes = built(network())
        steps = classes["x"].steps
        assert [step.stage for step in steps] == [stages["S1"], stages["S2"], stages["S3"]]
        assert steps[0].after is None and steps[1].after is None
        after = steps[2].after
        assert after is not None
        assert [ReworkRule(rule=0, back_to=1, probability=0.25, max_loops=2)] == after.reworks
        assert [SpawnRule(classes["y"], 1, 3, 0.5, per_batch=False)] == after.spawns

    def test_short_path_only_without_gate_or_calendar(self) -> None:
        stages, _ = built(network())
        assert (True, False, False) == (stages["S1"].simple, stages["S2"].simple, stages["S3"].simple)

    def test_scheduled_arrivals_in_time_order(self) -> None:
        net = network()
        times = arrival_times(net, net.item_classes["y"], np.random.SeedSequence(1))
        assert times is not None
        assert [1.0, 5.0] == list(times)


class TestStreams:
    def test_same_seed_same_draws(self) -> None:
        first, _ = built(network())
        second, _ = built(network())
        assert [first["S1"].draw() for _ in range(5)] == [second["S1"].draw() for _ in range(5)]

    def test_another_stage_does_not_change_a_stage_draws(self) -> None:
        """Adding a stage (and using it) leaves S1's stream alone: streams are keyed by name, not by order."""
        net = network()
        extra = dataclasses.replace(net, stages={"S0": Stage("S0", "s", "T", Exponential(9.0)), **net.stages})
        plain, _ = built(net)
        more, _ = built(extra)
        more["S0"].draw()
        assert [plain["S1"].draw() for _ in range(5)] == [more["S1"].draw() for _ in range(5)]

    def test_poisson_arrivals_are_cumulative_gaps(self) -> None:
        net = network()
        times = arrival_times(net, net.item_classes["x"], np.random.SeedSequence(3))
        assert times is not None
        moments = [next(times) for _ in range(200)]
        gaps = np.diff([0.0, *moments])
        assert (gaps > 0).all()
        assert 1.4 < gaps.mean() < 2.8  # mean gap 2 h at 0.5 per hour; 200 gaps: sd of the mean ≈ 0.14 h


class TestUnknownNames:
    def test_unknown_gate(self) -> None:
        net = network()
        stages = {**net.stages, "S3": dataclasses.replace(net.stages["S3"], gate="weekly")}
        with pytest.raises(ScenarioError, match=r"stage 'S3' uses gate 'weekly', not among \['g'\]"):
            built(network(stages=stages))

    def test_unknown_spawn_class(self) -> None:
        net = network()
        x = dataclasses.replace(net.item_classes["x"], spawn=(Spawn("S3", "z"),))
        with pytest.raises(ScenarioError, match=r"spawn\[0\] creates class 'z'"):
            built(network(item_classes={**net.item_classes, "x": x}))

    def test_rework_to_a_stage_off_the_route(self) -> None:
        net = network()
        x = dataclasses.replace(net.item_classes["x"], rework=(Rework("S3", "S9", 0.5),))
        with pytest.raises(ScenarioError, match=r"rework\[0\].to names stage 'S9', which is not on its route"):
            built(network(item_classes={**net.item_classes, "x": x}))
