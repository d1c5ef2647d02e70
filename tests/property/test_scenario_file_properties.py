"""Random valid scenario *files*: written as YAML, read through the loader, simulated — no crash, no item lost.

`test_engine_properties` draws `Network` objects directly; this one goes the user's way, through the YAML text,
the pydantic model, the reference checks and `build_network`, with durations as strings in every unit.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import simulate
from sim.scenario import load_network

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def durations(low_minutes: int, high_minutes: int) -> st.SearchStrategy[str]:
    """Duration strings between the bounds, in minutes, hours or days as a user would write them."""
    return st.integers(low_minutes, high_minutes).flatmap(
        lambda minutes: st.sampled_from(
            [
                f"{minutes}m",
                *([f"{minutes // 60}h"] if minutes % 60 == 0 and minutes else []),
                *([f"{minutes // 1440}d"] if minutes % 1440 == 0 and minutes else []),
            ]
        )
    )


work_times = st.one_of(
    durations(1, 240),  # a bare duration: fixed
    st.builds(lambda mean: {"kind": "exponential", "mean": mean}, durations(5, 240)),
    st.builds(lambda mean, cv: {"kind": "lognormal", "mean": mean, "cv": cv}, durations(5, 240), st.floats(0, 2)),
    st.builds(lambda mean, cv: {"kind": "gamma", "mean": mean, "cv": cv}, durations(5, 240), st.floats(0.1, 2)),
    st.builds(
        lambda low, extra: {"kind": "uniform", "low": f"{low}m", "high": f"{low + extra}m"},
        st.integers(0, 120),
        st.integers(1, 120),  # low < high
    ),
    st.builds(
        lambda low, a, b: {"kind": "triangular", "low": f"{low}m", "mode": f"{low + a}m", "high": f"{low + a + b}m"},
        st.integers(0, 60),
        st.integers(0, 60),
        st.integers(0, 60),  # low == high is a valid (fixed) three-point estimate
    ),
    st.builds(
        lambda samples: {"kind": "empirical", "samples": samples}, st.lists(durations(1, 180), min_size=1, max_size=5)
    ),
)


@st.composite
def scenario_documents(draw: st.DrawFn) -> dict:
    """A valid scenario: 1-3 teams (maybe with calendars), 1-2 streams of 1-3 stages, a gate, 1-2 item classes with
    routes in their own stream, optional batch, hand-off, escalation, rework, spawn, SLA and expedite."""
    teams = {}
    for index in range(draw(st.integers(1, 3))):
        team: dict = {"capacity": draw(st.integers(1, 3))}
        if draw(st.booleans()):
            begin = draw(st.integers(0, 12))
            team["calendar"] = {
                "weekdays": draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)),
                "hours": [f"{begin:02d}:00", f"{begin + 8:02d}:00"],
            }
        teams[f"team-{index}"] = team
    team_names = sorted(teams)
    streams: dict = {}
    for stream_index in range(draw(st.integers(1, 2))):
        stages = []
        for stage_index in range(draw(st.integers(1, 3))):
            stage: dict = {
                "name": f"Stage {stream_index}.{stage_index}",
                "team": draw(st.sampled_from(team_names)),
                "work": draw(work_times),
            }
            if draw(st.booleans()):
                stage["handoff"] = draw(durations(0, 120))
            if draw(st.integers(0, 3)) == 0:
                stage["gate"] = "cadence"
            if draw(st.integers(0, 3)) == 0:
                stage["batch"] = {"size": draw(st.integers(1, 4)), "timeout": draw(durations(30, 2880))}
            if draw(st.integers(0, 3)) == 0:
                stage["escalation"] = {"after": draw(durations(1, 600)), "priority": 0}
            stages.append(stage)
        streams[f"stream-{stream_index}"] = {"stages": stages}
    items: dict = {}
    stream_names = sorted(streams)
    for item_index in range(draw(st.integers(1, 2))):
        stream = draw(st.sampled_from(stream_names))
        names = [stage["name"] for stage in streams[stream]["stages"]]
        route = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))  # revisits: rework
        arrival = draw(
            st.one_of(
                st.builds(lambda per_day: {"kind": "poisson", "rate": f"{per_day}/d"}, st.integers(1, 30)),
                st.builds(
                    lambda every, offset: {"kind": "interval", "every": every, "offset": offset},
                    durations(30, 1440),
                    durations(0, 600),
                ),
            )
        )
        item: dict = {"stream": stream, "arrival": arrival, "route": route, "priority": draw(st.integers(0, 5))}
        if draw(st.booleans()):
            item["sla"] = draw(durations(60, 14400))
        if len(route) > 1 and draw(st.booleans()):
            item["rework"] = [
                {
                    "after": route[-1],
                    "to": route[0],
                    "probability": draw(st.floats(0, 1)),
                    "max_loops": draw(st.integers(1, 3)),
                }
            ]
        if draw(st.booleans()):
            item["expedite"] = True
        items[f"class-{item_index}"] = item
    first = next(iter(items.values()))
    if draw(st.booleans()):  # a spawned class, created only by the first class's last stage
        target_stream = draw(st.sampled_from(stream_names))
        items["spawned"] = {
            "stream": target_stream,
            "arrival": {"kind": "none"},
            "route": [streams[target_stream]["stages"][0]["name"]],
        }
        first["spawn"] = [
            {"after": first["route"][-1], "class": "spawned", "count": [0, 2], "probability": draw(st.floats(0, 1))}
        ]
    return {
        "version": 1,
        "name": "random",
        "run": {
            "start": "2026-01-07T13:00:00+00:00",
            "horizon": draw(durations(60, 7 * 1440)),
            "warmup": "0m",
            "replications": 1,
            "seed": draw(st.integers(0, 2**31)),
        },
        "teams": teams,
        "gates": {"cadence": {"every": draw(durations(60, 2880)), "offset": "0m"}},
        "streams": streams,
        "items": items,
    }


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(document=scenario_documents())
def test_random_scenario_files_load_run_and_lose_nothing(document: dict, tmp_path: Path) -> None:
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    network = load_network(path)
    recording = simulate(network, seed=network.run.seed)
    cases, visits = recording.cases, recording.visits
    horizon = network.run.horizon_h

    # arrived = completed + in progress at the horizon; each case in progress has exactly one open visit
    in_progress = cases["complete_h"].isna()
    open_visits = visits[visits["complete_h"].isna()]
    assert sorted(cases.loc[in_progress, "case"]) == sorted(open_visits["case"])
    assert (cases.loc[~in_progress, "complete_h"] <= horizon).all()
    assert (cases["arrival_h"] < horizon).all()
    # every interval class made exactly the arrivals its clock allows
    for name, item in document["items"].items():
        arrival = item["arrival"]
        if arrival["kind"] == "interval":
            spec = network.item_classes[name].arrivals
            expected = max(0, math.ceil((horizon - spec.offset_h) / spec.every_h))
            assert expected == int((cases["item"] == name).sum())
    # spawned items name a parent of this run
    assert set(cases["parent"].dropna()) <= set(cases["case"])
