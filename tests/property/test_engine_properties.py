"""Properties of every run of small random valid networks: no crash, ordered times, busy <= capacity, no item lost."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.distributions import Exponential, Fixed, Lognormal, Uniform
from sim.engine import simulate
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
    Spawn,
    Stage,
    Team,
    WorkingCalendar,
)

MAX_STAGES = 4

distributions = st.one_of(
    st.builds(Exponential, st.floats(0.1, 3.0)),
    st.builds(Fixed, st.floats(0.0, 3.0)),
    st.builds(Lognormal, st.floats(0.1, 3.0), st.floats(0.0, 2.0)),
    st.builds(lambda low, extra: Uniform(low, low + extra), st.floats(0.0, 2.0), st.floats(0.0, 2.0)),
)


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """A valid network of 1-4 stages, 1-3 teams (some with a calendar), optional gates (1-3 openings a cycle),
    batches, escalation, hand-offs, rework, class work overrides, an expedited class and a spawned class; horizons of
    at most 200 h keep each example fast."""
    team_count = draw(st.integers(1, 3))
    teams = {}
    for index in range(team_count):
        calendar = None
        if draw(st.booleans()):
            begin = draw(st.floats(0.0, 12.0))
            calendar = WorkingCalendar(frozenset(draw(st.sets(st.integers(0, 6), min_size=1))), begin, begin + 8.0)
        teams[f"T{index}"] = Team(f"T{index}", draw(st.integers(1, 3)), calendar)
    team_names = sorted(teams)
    every = draw(st.floats(1.0, 48.0))
    shares = draw(st.lists(st.floats(0.0, 0.99), min_size=1, max_size=3, unique=True))
    gates = {
        "g": CadenceGate(
            "g",
            every_h=every,
            offsets_h=tuple(sorted({share * every for share in shares})),
            open_for_h=draw(st.sampled_from([0.0, 2.0])),
        )
    }
    stage_count = draw(st.integers(1, MAX_STAGES))
    stages = {}
    for index in range(stage_count):
        escalation = None
        if draw(st.booleans()):
            escalation = Escalation(
                draw(st.floats(0.0, 10.0)),
                draw(st.none() | st.integers(0, 3)),
                draw(st.none() | st.sampled_from(team_names)),
            )
        stages[f"S{index}"] = Stage(
            name=f"S{index}",
            stream="s",
            team=draw(st.sampled_from(team_names)),
            work=draw(distributions),
            handoff=draw(st.none() | distributions),
            gate=draw(st.none() | st.just("g")),
            batch=draw(st.none() | st.builds(Batching, st.integers(1, 4), st.none() | st.floats(0.5, 20.0))),
            escalation=escalation,
        )
    route = tuple(draw(st.lists(st.sampled_from(sorted(stages)), min_size=1, max_size=4)))
    arrivals = draw(
        st.one_of(
            st.builds(PoissonArrivals, st.floats(0.05, 2.0)),
            st.builds(IntervalArrivals, st.floats(0.5, 10.0), st.floats(0.0, 5.0)),
        )
    )
    rework = ()
    if len(route) > 1 and draw(st.booleans()):
        rework = (Rework(route[-1], route[0], draw(st.floats(0.0, 1.0)), draw(st.none() | st.integers(1, 3))),)
    spawn = ()
    if draw(st.booleans()):
        low = draw(st.integers(0, 2))
        spawn = (
            Spawn(
                route[0], "child", low, low + draw(st.integers(0, 2)), draw(st.floats(0.0, 1.0)), draw(st.booleans())
            ),
        )
    items = {
        "main": ItemClass(
            "main",
            "s",
            route,
            arrivals,
            priority=draw(st.integers(0, 5)),
            rework=rework,
            spawn=spawn,
            work=draw(st.dictionaries(st.sampled_from(route), distributions, max_size=2)),
            expedite=draw(st.booleans()),
        ),
        "child": ItemClass("child", "s", (draw(st.sampled_from(sorted(stages))),), NoArrivals(), priority=1),
    }
    return Network(
        name="property",
        run=RunSettings(start=datetime(2026, 1, 7, 13, 0, tzinfo=UTC), horizon_h=draw(st.floats(1.0, 200.0))),
        teams=teams,
        stages=stages,
        item_classes=items,
        gates=gates,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network=networks(), seed=st.integers(0, 2**32 - 1))
def test_every_run_keeps_the_invariants(network: Network, seed: int) -> None:
    recording = simulate(network, seed=seed)
    visits, cases = recording.visits, recording.cases
    horizon = network.run.horizon_h

    # Times are ordered: ready <= start <= complete <= horizon (where they happened).
    started = visits[visits["start_h"].notna()]
    assert (started["ready_h"] <= started["start_h"]).all()
    completed = visits[visits["complete_h"].notna()]
    assert completed["start_h"].notna().all()
    assert (completed["start_h"] <= completed["complete_h"]).all()
    assert (completed["complete_h"] <= horizon).all()
    assert (cases["arrival_h"] < horizon).all()

    # Busy never exceeds the team's capacity, never goes negative; queues never go negative.
    capacity = recording.busy["team"].map({name: team.capacity for name, team in network.teams.items()})
    assert (recording.busy["busy"] <= capacity).all()
    assert (recording.busy["busy"] >= 0).all()
    assert (recording.queues["queue_length"] >= 0).all()

    # Servers: a started visit names a server 1..capacity of its team; at every instant the servers in use at a team
    # are distinct (one server's jobs never overlap; the members of a batch are one job); unstarted visits have -1.
    capacity_of = started["team"].map({name: team.capacity for name, team in network.teams.items()}).astype("int64")
    assert ((started["server"] >= 1) & (started["server"] <= capacity_of)).all()
    assert (visits.loc[visits["start_h"].isna(), "server"] == -1).all()
    jobs = started.assign(end_h=started["complete_h"].fillna(horizon))
    jobs = pd.concat([jobs[jobs["batch"] < 0], jobs[jobs["batch"] >= 0].drop_duplicates(["team", "batch"])])
    for _, held in jobs.sort_values(["start_h", "end_h"]).groupby(["team", "server"]):
        assert (held["start_h"].to_numpy()[1:] >= held["end_h"].to_numpy()[:-1]).all()

    # No item lost: every case is either complete or has exactly one visit still under way.
    in_progress = cases["complete_h"].isna()
    open_visits = visits[visits["complete_h"].isna()]
    assert sorted(cases.loc[in_progress, "case"]) == sorted(open_visits["case"])
    arrivals = network.item_classes["main"].arrivals
    if isinstance(arrivals, IntervalArrivals):  # every arrival before the horizon became a case
        expected = max(0, math.ceil((horizon - arrivals.offset_h) / arrivals.every_h))
        assert expected == int((cases["item"] == "main").sum())
    finished = cases[~in_progress]
    last_complete = completed.groupby("case")["complete_h"].max()
    assert np.allclose(finished["complete_h"].to_numpy(), last_complete.loc[finished["case"]].to_numpy())

    # Every spawned child names a parent case of this run.
    children = cases[cases["parent"].notna()]
    assert set(children["parent"]) <= set(cases["case"])
    assert all(math.isfinite(value) for value in cases["arrival_h"])
